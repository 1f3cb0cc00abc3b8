package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// Delivery is what a handler receives.
type Delivery struct {
	ID      string
	Tenant  string
	Kind    string
	Payload []byte
}

// Decode unmarshals the JSON payload.
func (d Delivery) Decode(v any) error {
	if err := json.Unmarshal(d.Payload, v); err != nil {
		return fmt.Errorf("decode %s payload: %w", d.Kind, err)
	}
	return nil
}

// TxHandler does its work inside the transaction that marks the row done, so
// its database effects happen exactly once however often the job is delivered.
type TxHandler func(ctx context.Context, tx bun.Tx, d Delivery) error

// EffectHandler does work outside the database (e-mail, calls, work that
// writes in its own transactions). It runs before the row is marked done, so
// it may run again after a crash: it must be idempotent by Delivery.ID.
type EffectHandler func(ctx context.Context, d Delivery) error

// envelope is the Asynq task payload. ID is the outbox row id: the task id
// differs from it for a replacement task (see Relay.enqueue).
type envelope struct {
	ID      string          `json:"id,omitempty"`
	Tenant  string          `json:"t"`
	Payload json.RawMessage `json:"p"`
}

// Worker registers handlers by job kind and serves them to Asynq.
type Worker struct {
	db      *sqldb.DB
	log     *slog.Logger
	metrics *Metrics
	mux     *asynq.ServeMux
	kinds   map[string]bool
	done    *doneMarker
	isDoneQ string // isDone's statement in the dialect's placeholder syntax
}

// NewWorker returns a worker with no handlers.
func NewWorker(db *sqldb.DB, log *slog.Logger, m *Metrics) *Worker {
	q := isDoneSQL
	if db.Dialect == sqldb.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	return &Worker{db: db, log: log, metrics: m, mux: asynq.NewServeMux(), kinds: map[string]bool{},
		done: &doneMarker{db: db, log: log}, isDoneQ: q}
}

// Mux is the Asynq handler to pass to asynq.Server.Start.
func (w *Worker) Mux() *asynq.ServeMux { return w.mux }

// Kinds lists the registered job kinds.
func (w *Worker) Kinds() []string {
	ks := make([]string, 0, len(w.kinds))
	for k := range w.kinds {
		ks = append(ks, k)
	}
	return ks
}

// HandleTx registers a transactional handler for kind.
func (w *Worker) HandleTx(kind string, h TxHandler) {
	w.register(kind, func(ctx context.Context, d Delivery) error {
		return w.db.TenantTx(ctx, d.Tenant, func(ctx context.Context, tx bun.Tx) error {
			claimed, err := markDone(ctx, tx, d)
			if err != nil || !claimed {
				return err
			}
			return h(ctx, tx, d)
		})
	})
}

// HandleEffect registers a handler with effects outside the database. The
// handler is skipped when its row is already done (a duplicate delivery);
// after it returns, the row is marked done in the background together with
// other finished deliveries (see doneMarker), so a job costs no transaction of
// its own. A crash between the handler's return and that mark means the row
// is enqueued again once stale and the handler runs again.
func (w *Worker) HandleEffect(kind string, h EffectHandler) {
	w.register(kind, func(ctx context.Context, d Delivery) error {
		if done, err := w.isDone(ctx, d.ID); err != nil || done {
			return err
		}
		if err := h(ctx, d); err != nil {
			return err
		}
		w.done.mark(d.ID)
		return nil
	})
}

// isDone reports whether the row is done (a missing row is not).
func (w *Worker) isDone(ctx context.Context, id string) (bool, error) {
	var done bool
	err := w.db.Read.DB.QueryRowContext(ctx, w.isDoneQ, id).Scan(&done)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("check outbox row %s: %w", id, err)
	}
	return done, nil
}

// Flush waits until the rows of every effect handler that has returned are
// marked done (they are written in the background, see doneMarker), or ctx
// ends. Call it after the Asynq server has stopped, so a shutdown does not
// leave finished jobs to run again once their rows are stale.
func (w *Worker) Flush(ctx context.Context) error { return w.done.flush(ctx) }

// isDoneSQL reads whether a row is done (no row: not done either). The
// done_at test is in the result, not the WHERE clause: see notDone.
const isDoneSQL = "SELECT done_at IS NOT NULL FROM outbox WHERE id = ?"

// markDone claims the row; false means another delivery already finished it.
// On PostgreSQL the UPDATE locks the row, so a concurrent duplicate delivery
// waits for this transaction and then finds nothing to claim.
func markDone(ctx context.Context, tx bun.Tx, d Delivery) (bool, error) {
	res, err := markDoneQuery(tx, d, time.Now().UTC()).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark outbox row %s done: %w", d.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark outbox row %s done: %w", d.ID, err)
	}
	return n == 1, nil
}

func markDoneQuery(db bun.IDB, d Delivery, now time.Time) *bun.UpdateQuery {
	return db.NewUpdate().Model((*Row)(nil)).Set("done_at = ?", now).Set("attempts = attempts + 1").
		Where("id = ? AND tenant_id = ?", d.ID, d.Tenant).Where(notDone)
}

func (w *Worker) register(kind string, run func(context.Context, Delivery) error) {
	if w.kinds[kind] {
		panic("outbox: handler registered twice for " + kind) // programming error at wiring time
	}
	w.kinds[kind] = true
	w.mux.HandleFunc(kind, func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		var env envelope
		if err := json.Unmarshal(t.Payload(), &env); err != nil || env.Tenant == "" {
			w.log.Error("outbox: bad task envelope", "kind", kind, "id", id, "err", err)
			return fmt.Errorf("bad envelope for %s: %w", id, asynq.SkipRetry)
		}
		if env.ID != "" {
			id = env.ID
		}
		d := Delivery{ID: id, Tenant: env.Tenant, Kind: kind, Payload: env.Payload}
		start := time.Now()
		err := run(ctx, d)
		w.metrics.observeHandled(kind, err, time.Since(start))
		if err != nil {
			w.log.Warn("outbox job failed", "kind", kind, "id", id, "tenant", d.Tenant, "err", err)
			w.recordError(ctx, d, err)
			return err
		}
		return nil
	})
}

func (w *Worker) recordError(ctx context.Context, d Delivery, cause error) {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	err := w.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Row)(nil)).Set("attempts = attempts + 1").Set("last_error = ?", msg).
			Where("id = ?", d.ID).Where(notDone).Exec(ctx)
		return err
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		w.log.Error("outbox: record handler error", "id", d.ID, "err", err)
	}
}

// PurgeTask is the periodic maintenance task that deletes old done rows; the
// single scheduler enqueues it.
const PurgeTask = "outbox:purge"

// HandlePurge serves PurgeTask with the relay's retention.
func (w *Worker) HandlePurge(r *Relay) {
	w.mux.HandleFunc(PurgeTask, func(ctx context.Context, _ *asynq.Task) error { return r.Purge(ctx) })
}
