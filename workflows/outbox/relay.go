package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// Queue is the Asynq queue that carries outbox jobs.
const Queue = "default"

// RelayOptions tunes the relay.
type RelayOptions struct {
	Poll       time.Duration // how often to look for new rows (default 100ms)
	Batch      int           // rows per pass (default 500)
	StaleAfter time.Duration // re-enqueue rows enqueued this long ago and not done (default 2m)
	Retention  time.Duration // delete done rows older than this (default 7 days)
	MaxRetry   int           // Asynq retries per job (default 25)
}

// Relay moves outbox rows into Asynq. On PostgreSQL several relays may run
// (rows are claimed with FOR UPDATE SKIP LOCKED); on SQLite run exactly one.
type Relay struct {
	db      *sqldb.DB
	client  *asynq.Client
	insp    *asynq.Inspector
	log     *slog.Logger
	metrics *Metrics
	opt     RelayOptions
	kick    chan struct{}
}

// NewRelay returns a relay; call Run to start it.
func NewRelay(db *sqldb.DB, client *asynq.Client, insp *asynq.Inspector, log *slog.Logger, m *Metrics, opt RelayOptions) *Relay {
	if opt.Poll <= 0 {
		opt.Poll = 100 * time.Millisecond
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 2 * time.Minute
	}
	if opt.Retention <= 0 {
		opt.Retention = 7 * 24 * time.Hour
	}
	if opt.MaxRetry <= 0 {
		opt.MaxRetry = 25
	}
	return &Relay{db: db, client: client, insp: insp, log: log.With("component", "outbox-relay"), metrics: m, opt: opt, kick: make(chan struct{}, 1)}
}

// Kick wakes the relay early (call after committing rows; optional).
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. It first re-enqueues every row that was enqueued
// but never finished (the in-process queue may have been lost), then polls.
func (r *Relay) Run(ctx context.Context) error {
	if n, err := r.Requeue(ctx, 0); err != nil {
		r.log.Warn("start-up requeue failed; will retry", "err", err)
	} else if n > 0 {
		r.log.Info("re-enqueued unfinished outbox rows", "rows", n)
	}
	maint := time.NewTicker(r.opt.StaleAfter / 4)
	defer maint.Stop()
	var backoff time.Duration
	for {
		n, err := r.Pump(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = min(max(2*backoff, 200*time.Millisecond), 5*time.Second)
			r.log.Warn("outbox relay pass failed", "err", err, "retry_in", backoff)
		case n == r.opt.Batch:
			backoff = 0
			continue // more waiting: go again at once
		default:
			backoff = 0
		}
		wait := r.opt.Poll
		if backoff > 0 {
			wait = backoff
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		case <-time.After(wait):
		case <-maint.C:
			if _, err := r.Requeue(ctx, r.opt.StaleAfter); err != nil {
				r.log.Warn("outbox requeue failed", "err", err)
			}
			if err := r.metrics.refresh(ctx, r.db); err != nil {
				r.log.Warn("outbox metrics failed", "err", err)
			}
		}
	}
}

// Pump enqueues one batch of new rows and returns how many it handled.
func (r *Relay) Pump(ctx context.Context) (int, error) {
	return r.pass(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("enqueued_at IS NULL")
	})
}

// Requeue enqueues again rows enqueued longer than age ago and not done.
// A row whose task still exists in Asynq (pending, scheduled, retrying or
// running) is left alone; a task Asynq gave up on is replaced.
func (r *Relay) Requeue(ctx context.Context, age time.Duration) (int, error) {
	cutoff := time.Now().UTC().Add(-age)
	total := 0
	for {
		n, err := r.pass(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("enqueued_at IS NOT NULL AND enqueued_at <= ?", cutoff)
		})
		total += n
		if err != nil || n < r.opt.Batch {
			return total, err
		}
	}
}

func (r *Relay) pass(ctx context.Context, filter func(*bun.SelectQuery) *bun.SelectQuery) (int, error) {
	var n int
	err := r.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []Row
		q := filter(tx.NewSelect().Model(&rows).Where("done_at IS NULL")).OrderExpr("created_at").Limit(int64(r.opt.Batch))
		if r.db.Dialect == sqldb.Postgres {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("select outbox rows: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		var sent []string
		var firstErr error
		for i := range rows {
			if err := r.enqueue(ctx, &rows[i]); err != nil {
				firstErr = err
				break // Redis is likely down: keep the rest for the next pass
			}
			sent = append(sent, rows[i].ID)
		}
		if len(sent) > 0 {
			if _, err := tx.NewUpdate().Model((*Row)(nil)).Set("enqueued_at = ?", time.Now().UTC()).
				Where("id IN (?)", bun.In(sent)).Exec(ctx); err != nil {
				return fmt.Errorf("mark outbox rows enqueued: %w", err)
			}
		}
		n = len(sent)
		r.metrics.relayed.Add(float64(n))
		return firstErr
	})
	return n, err
}

func (r *Relay) enqueue(ctx context.Context, row *Row) error {
	env, err := json.Marshal(envelope{Tenant: row.TenantID, Payload: row.Payload})
	if err != nil {
		return fmt.Errorf("encode envelope %s: %w", row.ID, err)
	}
	opts := []asynq.Option{asynq.TaskID(row.ID), asynq.Queue(Queue), asynq.MaxRetry(r.opt.MaxRetry)}
	if row.ProcessAt != nil && row.ProcessAt.After(time.Now()) {
		opts = append(opts, asynq.ProcessAt(*row.ProcessAt))
	}
	_, err = r.client.EnqueueContext(ctx, asynq.NewTask(row.Kind, env), opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return r.resolveConflict(ctx, row, env, opts)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", row.ID, err)
	}
	return nil
}

// resolveConflict decides what to do when Asynq already holds a task with the
// row's id: leave a live task alone, replace one that is archived or completed
// while the row is not done (the handler never finished its transaction).
func (r *Relay) resolveConflict(ctx context.Context, row *Row, env []byte, opts []asynq.Option) error {
	info, err := r.insp.GetTaskInfo(Queue, row.ID)
	if errors.Is(err, asynq.ErrTaskNotFound) {
		return nil // finished meanwhile
	} else if err != nil {
		return fmt.Errorf("inspect task %s: %w", row.ID, err)
	}
	if info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted {
		return nil
	}
	if err := r.insp.DeleteTask(Queue, row.ID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return fmt.Errorf("delete dead task %s: %w", row.ID, err)
	}
	if _, err := r.client.EnqueueContext(ctx, asynq.NewTask(row.Kind, env), opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("re-enqueue %s: %w", row.ID, err)
	}
	r.log.Info("replaced dead task of an unfinished outbox row", "id", row.ID, "state", info.State.String())
	return nil
}

// Purge deletes done rows older than the retention period.
func (r *Relay) Purge(ctx context.Context) error {
	cutoff := time.Now().UTC().Add(-r.opt.Retention)
	return r.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*Row)(nil)).Where("done_at IS NOT NULL AND done_at < ?", cutoff).Exec(ctx)
		if err != nil {
			return fmt.Errorf("purge outbox: %w", err)
		}
		return nil
	})
}
