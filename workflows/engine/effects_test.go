package engine

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

// runWorkers runs a real relay and Asynq worker for the engine's jobs: the
// embedded queue with SQLite, redis-server with PostgreSQL.
func runWorkers(t *testing.T, db *sqldb.DB, e *Engine) (stop func()) {
	t.Helper()
	noop := func(context.Context, bun.Tx, outbox.Delivery) error { return nil }
	return startWorkers(t, db, e, testQueue(t, db), noop)
}

// testQueue starts the queue of db's deployment: an embedded one with
// SQLite (closed on cleanup), redis-server with PostgreSQL.
func testQueue(t *testing.T, db *sqldb.DB) asynq.RedisClientOpt {
	t.Helper()
	if db.Dialect == sqldb.SQLite {
		emb, err := queue.StartEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(emb.Close)
		return asynq.RedisClientOpt{Addr: emb.Addr()}
	}
	addr, n := testenv.Redis(t)
	return asynq.RedisClientOpt{Addr: addr, DB: n}
}

// startWorkers runs a relay and an Asynq worker on conn for the engine's
// jobs, with recompute as the handler of the recompute effect's job.
func startWorkers(t *testing.T, db *sqldb.DB, e *Engine, conn asynq.RedisClientOpt, recompute outbox.TxHandler) (stop func()) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, insp := asynq.NewClient(conn), asynq.NewInspector(conn)
	m := outbox.NewMetrics(prometheus.NewRegistry())
	w := outbox.NewWorker(db, log, m)
	e.RegisterJobs(w)
	w.HandleTx("test.recompute", recompute)
	srv := asynq.NewServer(conn, asynq.Config{Concurrency: 4, Logger: queue.Logger(log), LogLevel: asynq.ErrorLevel,
		Queues: map[string]int{outbox.Queue: 1}, DelayedTaskCheckInterval: time.Second})
	if err := srv.Start(w.Mux()); err != nil {
		t.Fatal(err)
	}
	relay := outbox.NewRelay(db, client, insp, log, m, outbox.RelayOptions{Poll: 20 * time.Millisecond, StaleAfter: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = relay.Run(ctx); close(done) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
		srv.Shutdown()
		_ = client.Close()
		_ = insp.Close()
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestEffectsRunThroughTheQueueAndMail(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		sink := testenv.StartSMTPSink(t)
		f.e.mail = SMTPMailer{Addr: sink.Addr(), From: "doanbd <no-reply@doanbd.vn>"}
		runWorkers(t, db, f.e)
		f.plans.status["p79/m"] = "draft"
		mustFire(t, f, "planner", "plan", "m", "submit", "", nil)
		// approver and approver2 may act: both get a notice and an e-mail.
		waitFor(t, "assignee e-mails", func() bool { return len(sink.Messages()) >= 2 })
		for _, m := range sink.Messages() {
			if !strings.Contains(m.Data, "Content-Type: text/plain; charset=UTF-8") || !strings.Contains(m.Data, "Cần xử lý") {
				t.Fatalf("mail: %+v", m)
			}
		}
		mustFire(t, f, "approver", "plan", "m", "return", "Bổ sung dự toán lớp 2", nil)
		waitFor(t, "author e-mail", func() bool { return len(sink.Messages()) >= 3 })
		ns, err := f.e.Notifications(context.Background(), "planner", 10)
		if err != nil || len(ns) != 1 || !strings.Contains(ns[0].Body, "Bổ sung dự toán lớp 2") {
			t.Fatalf("planner notifications: %+v %v", ns, err)
		}
		waitFor(t, "outbox drained", func() bool {
			s, err := outbox.ReadStats(context.Background(), db)
			// SLA timers stay pending (due in days); everything else is done.
			return err == nil && s.OldestDueAge == 0
		})
		if got := len(sink.Messages()); got != 3 {
			t.Fatalf("mails = %d, want exactly 3", got)
		}
	})
}

// TestTransitionsAcceptedWhileRedisIsDown: the database is the source of
// truth, so transitions succeed without Redis and their effects run once it
// is back.
func TestTransitionsAcceptedWhileRedisIsDown(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.Postgres)
	f := newFixture(t, db)
	runWorkers(t, db, f.e)
	testenv.StopRedis(t)
	f.plans.status["p79/r"] = "draft"
	mustFire(t, f, "planner", "plan", "r", "submit", "", nil)
	mustFire(t, f, "approver", "plan", "r", "approve", "", nil)
	if n := countNotes(t, db, "notify_assignees"); n != 0 {
		t.Fatalf("notices while Redis is down: %d", n)
	}
	testenv.StartRedis(t)
	// submit → approver, approver2; approve → recorder, approver, approver2.
	waitFor(t, "effects after Redis returns", func() bool { return countNotes(t, db, "notify_assignees") == 5 })
}
