package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// doneMarker marks the rows of finished effect deliveries done in batches,
// in the background, like a group commit: a delivery whose handler has
// returned adds its id; whenever no write is in flight, one UPDATE marks every
// id gathered meanwhile. A job so pays no transaction of its own and its
// handler's Asynq slot is free at once; under load one statement covers many
// jobs. The writer gathers ids for doneGather before each batch: without that
// pause a busy worker wrote a statement per one or two jobs (an UPDATE takes
// about as long as the next job), a round trip for most jobs.
//
// A crash (or a shutdown) after a handler returned and before its batch was
// written leaves the row not done: the relay enqueues it again once it is
// stale and the handler runs again — which is why effect handlers must be
// idempotent by Delivery.ID. A failed write is retried a few times, then left
// to that same recovery.
type doneMarker struct {
	db  *sqldb.DB
	log *slog.Logger

	mu      sync.Mutex
	pending []string
	writing bool          // a goroutine is writing batches
	idle    chan struct{} // closed when that goroutine ends (Flush waits on it)
}

// maxDoneBatch bounds the ids in one UPDATE (its IN list).
const maxDoneBatch = 500

// doneGather is how long the writer lets ids gather before it writes a batch
// that is not full: short beside the time a row takes to go stale (minutes).
const doneGather = 10 * time.Millisecond

// mark records that id's handler has finished; the row is marked done soon.
func (m *doneMarker) mark(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, id)
	if !m.writing {
		m.writing = true
		m.idle = make(chan struct{})
		go m.writeBatches()
	}
}

// flush waits until every id marked so far has been written (or given up
// on), or ctx ends.
func (m *doneMarker) flush(ctx context.Context) error {
	m.mu.Lock()
	if !m.writing {
		m.mu.Unlock()
		return nil
	}
	idle := m.idle
	m.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("outbox: done marks not all written: %w", ctx.Err())
	}
}

// writeBatches writes gathered ids until none is left, then ends.
func (m *doneMarker) writeBatches() {
	for {
		m.mu.Lock()
		if len(m.pending) < maxDoneBatch {
			m.mu.Unlock()
			time.Sleep(doneGather)
			m.mu.Lock()
		}
		ids := m.pending
		if len(ids) > maxDoneBatch {
			ids = ids[:maxDoneBatch:maxDoneBatch]
			m.pending = m.pending[maxDoneBatch:]
		} else {
			m.pending = nil
		}
		if len(ids) == 0 {
			m.writing = false
			close(m.idle)
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
		var err error
		for try, pause := 0, 50*time.Millisecond; try < 4; try, pause = try+1, 4*pause {
			if err = m.write(ids); err == nil {
				break
			}
			time.Sleep(pause)
		}
		if err != nil {
			m.log.Warn("outbox: rows not marked done; they will run again once stale", "rows", len(ids), "err", err)
		}
	}
}

func (m *doneMarker) write(ids []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Not a transaction: one statement commits on its own (and Exec with the
	// values inlined is one round trip on PostgreSQL).
	_, err := doneBatchQuery(m.db.DB, ids, time.Now().UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark %d outbox rows done: %w", len(ids), err)
	}
	return nil
}

// doneBatchQuery marks the rows of ids done (those not done yet).
func doneBatchQuery(db bun.IDB, ids []string, now time.Time) *bun.UpdateQuery {
	return db.NewUpdate().Model((*Row)(nil)).Set("done_at = ?", now).Set("attempts = attempts + 1").
		Where("id IN (?)", bun.In(ids)).Where(notDone)
}
