package sqldb

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// QueryCount is what one unit of work (an HTTP request) sent to the
// database: round trips (statements, BEGIN and COMMIT included) and the time
// spent waiting for them. It is how a page shows it runs a fixed number of
// queries whatever its size (no query per row, "N+1").
type QueryCount struct {
	n    atomic.Int64
	wait atomic.Int64 // nanoseconds
}

// Queries is the number of round trips so far.
func (q *QueryCount) Queries() int64 { return q.n.Load() }

// Wait is the time spent in them so far (summed: parallel queries add up).
func (q *QueryCount) Wait() time.Duration { return time.Duration(q.wait.Load()) }

type queryCountKey struct{}

// WithQueryCount returns a context whose database work is counted in the
// returned QueryCount (from every pool of every DB opened by Open).
func WithQueryCount(ctx context.Context) (context.Context, *QueryCount) {
	q := &QueryCount{}
	return context.WithValue(ctx, queryCountKey{}, q), q
}

// QueryCountFrom returns the context's counter, if it has one.
func QueryCountFrom(ctx context.Context) (*QueryCount, bool) {
	q, ok := ctx.Value(queryCountKey{}).(*QueryCount)
	return q, ok
}

// countHook adds every query run with a counted context to its counter: one
// context lookup per query when nothing counts.
type countHook struct{}

func (countHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (countHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if q, ok := QueryCountFrom(ctx); ok {
		q.n.Add(1)
		q.wait.Add(int64(time.Since(e.StartTime)))
	}
}
