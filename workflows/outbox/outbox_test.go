package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/workflows/outbox"
)

// (a) A transaction that rolls back leaves no job; the one that commits runs.
func TestRollbackLeavesNoJob(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			ctx := testCtx(t)
			boom := errors.New("validation failed")
			var lost string
			err := s.db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
				id, err := outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: "p79"})
				lost = id
				if err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			n := startNode(t, s, nodeOptions{noWorker: true, noRelay: true})
			if sent, err := n.relay.Pump(ctx); err != nil || sent != 0 {
				t.Fatalf("relay sent %d (%v) after a rollback, want 0", sent, err)
			}
			if _, err := s.insp.GetTaskInfo(outbox.Queue, lost); !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
				t.Fatalf("task of the rolled-back job: %v, want not found", err)
			}
			kept := add(t, s, "p79", 1)[0]
			if sent, err := n.relay.Pump(ctx); err != nil || sent != 1 {
				t.Fatalf("relay sent %d (%v), want the committed job", sent, err)
			}
			if info, err := s.insp.GetTaskInfo(outbox.Queue, kept); err != nil || info.State != asynq.TaskStatePending {
				t.Fatalf("committed job's task: %+v, %v", info, err)
			}
			startNode(t, s, nodeOptions{noRelay: true})
			waitAllDone(t, s, time.Minute)
			checkExactlyOnce(t, s, 1)
		})
	}
}

func TestAddValidatesAndKeys(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			ctx := testCtx(t)
			addJob := func(j outbox.Job) (id string, err error) {
				err = s.db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
					id, err = outbox.Add(ctx, tx, j)
					return err
				})
				return id, err
			}
			for _, bad := range []outbox.Job{
				{Tenant: "p79"},
				{Kind: effectKind},
				{Kind: effectKind, Tenant: "p79", Key: "a~1"},
				{Kind: effectKind, Tenant: "p79", Payload: func() {}},
			} {
				if _, err := addJob(bad); err == nil {
					t.Errorf("Add(%+v) accepted", bad)
				}
			}
			key := "p79:plan-submitted:42"
			for i := 0; i < 2; i++ {
				id, err := addJob(outbox.Job{Kind: effectKind, Tenant: "p79", Key: key, Payload: i})
				if err != nil || id != key {
					t.Fatalf("Add with key, try %d: %q, %v", i, id, err)
				}
			}
			if r := row(t, s, key); string(r.Payload) != "0" {
				t.Fatalf("second Add with the same key changed the job: payload %s", r.Payload)
			}
			if _, err := addJob(outbox.Job{Kind: "other:kind", Tenant: "p79", Key: key}); err == nil {
				t.Fatal("same key for another kind accepted (that job would be silently dropped)")
			}
			err := s.db.TenantTx(ctx, "bca", func(ctx context.Context, tx bun.Tx) error {
				_, err := outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: "bca", Key: key})
				return err
			})
			if err == nil {
				t.Fatal("same key for another tenant accepted")
			}
			// Payloads: JSON for values, as-is for bytes and raw JSON.
			for _, tc := range []struct {
				in   any
				want string
			}{{nil, "null"}, {map[string]string{"a": "ư"}, `{"a":"ư"}`}, {[]byte(`[1]`), `[1]`}, {json.RawMessage(`{"x":1}`), `{"x":1}`}} {
				id, err := addJob(outbox.Job{Kind: effectKind, Tenant: "p79", Payload: tc.in})
				if err != nil {
					t.Fatal(err)
				}
				if got := string(row(t, s, id).Payload); got != tc.want {
					t.Errorf("payload %v stored as %s, want %s", tc.in, got, tc.want)
				}
			}
		})
	}
}

// Handlers get the tenant and payload; a failing TxHandler leaves no effect,
// records the error, and succeeds on a retry exactly once.
func TestDeliveryAndRetry(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			var fails atomic.Int32
			fails.Store(2)
			got := make(chan outbox.Delivery, 10)
			startNode(t, s, nodeOptions{handlers: func(w *outbox.Worker) {
				w.HandleTx(effectKind, func(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
					if err := effectHandler(ctx, tx, d); err != nil {
						return err
					}
					if fails.Add(-1) >= 0 {
						return errors.New("transient failure") // rolls back the effect too
					}
					got <- d
					return nil
				})
			}})
			var id string
			err := s.db.TenantTx(testCtx(t), "bca", func(ctx context.Context, tx bun.Tx) (err error) {
				id, err = outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: "bca", Payload: map[string]string{"plan": "KH-2026"}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			waitAllDone(t, s, time.Minute)
			d := <-got
			var p struct{ Plan string }
			if err := d.Decode(&p); err != nil || d.ID != id || d.Tenant != "bca" || d.Kind != effectKind || p.Plan != "KH-2026" {
				t.Fatalf("delivery %+v decoded %+v (%v)", d, p, err)
			}
			r := row(t, s, id)
			if r.Attempts != 3 || !strings.Contains(r.LastError, "transient failure") || r.EnqueuedAt == nil {
				t.Fatalf("row after two failures and a success: attempts %d, last_error %q, enqueued %v", r.Attempts, r.LastError, r.EnqueuedAt)
			}
			checkExactlyOnce(t, s, 1)
		})
	}
}

// HandleEffect: the effect runs, the row is marked done, and a duplicate
// delivery of a done row does not run the effect again. A dead (archived)
// task of an unfinished row is replaced by the relay.
func TestEffectHandler(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			var mu sync.Mutex
			calls := map[string]int{}
			var failing atomic.Bool
			// No periodic requeue during the test: only the explicit one below.
			n := startNode(t, s, nodeOptions{relay: outbox.RelayOptions{MaxRetry: 1, StaleAfter: time.Hour}, handlers: func(w *outbox.Worker) {
				w.HandleEffect("mail:send", func(_ context.Context, d outbox.Delivery) error {
					mu.Lock()
					defer mu.Unlock()
					calls[d.ID]++
					if failing.Load() {
						return errors.New("smtp down")
					}
					return nil
				})
			}})
			ctx := testCtx(t)
			addMail := func() string {
				var id string
				err := s.db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) (err error) {
					id, err = outbox.Add(ctx, tx, outbox.Job{Kind: "mail:send", Tenant: "tw"})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			id := addMail()
			waitAllDone(t, s, time.Minute)
			// The done mark is written in a batch after the handler returns,
			// so it can land before Asynq has removed the finished task.
			eventuallyGone(t, s, id)

			// A second delivery of the same job (Asynq deleted the first task on success).
			env, _ := json.Marshal(map[string]any{"id": id, "t": "tw", "p": nil})
			if _, err := s.client.Enqueue(asynq.NewTask("mail:send", env), asynq.TaskID(id), asynq.Queue(outbox.Queue)); err != nil {
				t.Fatal(err)
			}
			eventuallyGone(t, s, id)
			mu.Lock()
			if calls[id] != 1 {
				t.Fatalf("effect ran %d times, want 1", calls[id])
			}
			mu.Unlock()

			// Retries exhausted: Asynq archives the task; the row stays not done.
			failing.Store(true)
			dead := addMail()
			eventually(t, "the task to be archived", func() bool {
				info, err := s.insp.GetTaskInfo(outbox.Queue, dead)
				return err == nil && info.State == asynq.TaskStateArchived
			})
			if r := row(t, s, dead); r.DoneAt != nil || !strings.Contains(r.LastError, "smtp down") {
				t.Fatalf("failed row: done %v, last_error %q", r.DoneAt, r.LastError)
			}
			failing.Store(false)
			if _, err := n.relay.Requeue(ctx, 0); err != nil {
				t.Fatal(err)
			}
			waitAllDone(t, s, time.Minute)
			mu.Lock()
			defer mu.Unlock()
			if calls[dead] != 3 { // two failures, then the replacement
				t.Fatalf("archived job's effect ran %d times, want 3", calls[dead])
			}
		})
	}
}

// eventuallyGone waits until Asynq no longer holds task id (it ran and was deleted).
func eventuallyGone(t *testing.T, s *stack, id string) {
	t.Helper()
	eventually(t, "task "+id+" to finish", func() bool {
		_, err := s.insp.GetTaskInfo(outbox.Queue, id)
		return errors.Is(err, asynq.ErrTaskNotFound)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A delayed job waits in Asynq's schedule and runs no earlier than ProcessAt;
// it does not count as lag before it is due.
func TestDelayedJob(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			ctx := testCtx(t)
			n := startNode(t, s, nodeOptions{noRelay: true})
			at := time.Now().Add(4 * time.Second).UTC() // far enough that it is still scheduled when checked
			var id string
			err := s.db.TenantTx(ctx, "p01", func(ctx context.Context, tx bun.Tx) (err error) {
				id, err = outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: "p01", ProcessAt: at})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if sent, err := n.relay.Pump(ctx); err != nil || sent != 1 {
				t.Fatalf("pump: %d, %v", sent, err)
			}
			info, err := s.insp.GetTaskInfo(outbox.Queue, id)
			if err != nil || info.State != asynq.TaskStateScheduled || info.NextProcessAt.Unix() != at.Unix() {
				t.Fatalf("delayed task: %+v, %v; want scheduled at %v", info, err, at)
			}
			st, err := outbox.ReadStats(ctx, s.db)
			if err != nil || st.Backlog != 1 || st.OldestDueAge != 0 {
				t.Fatalf("stats with only a future job: %+v, %v", st, err)
			}
			// The periodic requeue does not look at jobs that are not due; the
			// start-up one does, and leaves the scheduled task alone.
			time.Sleep(5 * time.Millisecond)
			if got, err := n.relay.Requeue(ctx, time.Millisecond); err != nil || got != 0 {
				t.Fatalf("periodic requeue of a job not due: %d, %v", got, err)
			}
			if got, err := n.relay.Requeue(ctx, 0); err != nil || got != 1 {
				t.Fatalf("start-up requeue: %d, %v", got, err)
			}
			if info, err := s.insp.GetTaskInfo(outbox.Queue, id); err != nil || info.State != asynq.TaskStateScheduled {
				t.Fatalf("after requeue: %+v, %v; want still scheduled", info, err)
			}
			waitAllDone(t, s, time.Minute)
			var ran time.Time
			if err := s.owner.QueryRowContext(ctx, `SELECT at FROM test_effects WHERE delivery_id = ?`, id).Scan(&ran); err != nil {
				t.Fatal(err)
			}
			// Asynq schedules to the second.
			if ran.Before(at.Truncate(time.Second)) {
				t.Fatalf("delayed job ran at %v, before its time %v", ran, at)
			}
			checkExactlyOnce(t, s, 1)
		})
	}
}

func TestStatsAndPurge(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			ctx := testCtx(t)
			now := time.Now().UTC()
			old, recent := now.Add(-48*time.Hour), now.Add(-time.Minute)
			rows := []outbox.Row{
				{ID: "old-done", DoneAt: &old, CreatedAt: old},
				{ID: "recent-done", DoneAt: &recent, CreatedAt: recent},
				{ID: "old-pending", CreatedAt: old},
				{ID: "new-pending", CreatedAt: now},
			}
			for i := range rows {
				rows[i].TenantID, rows[i].Kind, rows[i].Payload = "tw", effectKind, []byte("null")
			}
			err := s.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewInsert().Model(&rows).Exec(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			st, err := outbox.ReadStats(ctx, s.db)
			if err != nil {
				t.Fatal(err)
			}
			if st.Backlog != 2 || st.OldestDueAge < 47*time.Hour {
				t.Fatalf("stats %+v, want backlog 2 and the oldest pending row's age (48h)", st)
			}
			n := startNode(t, s, nodeOptions{noRelay: true, noWorker: true, relay: outbox.RelayOptions{Retention: 24 * time.Hour}})
			if err := n.relay.Purge(ctx); err != nil {
				t.Fatal(err)
			}
			var left []string
			if err := s.db.Read.NewSelect().Model((*outbox.Row)(nil)).Column("id").OrderExpr("id").Scan(ctx, &left); err != nil {
				t.Fatal(err)
			}
			if strings.Join(left, ",") != "new-pending,old-pending,recent-done" {
				t.Fatalf("after purge: %v", left)
			}
		})
	}
}

// Worker.Flush returns once the done marks of every effect handler that has
// returned are written: what a shutdown waits for, so finished jobs do not
// run again after a restart.
func TestFlushWritesDoneMarks(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			ctx := testCtx(t)
			w := outbox.NewWorker(s.db, s.log, outbox.NewMetrics(nil))
			var ran atomic.Int64
			w.HandleEffect(effectKind, func(context.Context, outbox.Delivery) error { ran.Add(1); return nil })
			ids := add(t, s, "tw", 1000)
			// Delivered straight to the worker's handler, many at once, as
			// Asynq would; no relay or queue.
			var wg sync.WaitGroup
			errs := make(chan error, len(ids))
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					env, _ := json.Marshal(map[string]any{"id": id, "t": "tw", "p": nil})
					errs <- w.Mux().ProcessTask(ctx, asynq.NewTask(effectKind, env))
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if n := notDone(t, s); n != 0 || ran.Load() != int64(len(ids)) {
				t.Fatalf("after Flush: %d rows not done, %d effects of %d", n, ran.Load(), len(ids))
			}
			if err := w.Flush(ctx); err != nil { // nothing pending: returns at once
				t.Fatal(err)
			}
		})
	}
}
