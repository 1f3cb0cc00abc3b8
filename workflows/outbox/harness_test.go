package outbox_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// These tests mostly wait (leases, retries, child processes), so more of
	// them than GOMAXPROCS may run at once, unless -parallel was given.
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
		_ = flag.Set("test.parallel", "6")
	}
	testenv.Main(m)
}

// effectKind is the job kind whose TxHandler writes one row into test_effects.
const effectKind = "test:effect"

// backend is one of the two deployments the outbox must work on.
type backend struct {
	name string
	// real is true for PostgreSQL + redis-server, false for SQLite + the
	// embedded queue.
	real bool
}

var backends = []backend{{"sqlite+embedded", false}, {"postgres+redis", true}}

// stack is a database and a queue, set up like the application does.
type stack struct {
	backend
	db     *sqldb.DB // the application's connection (doanbd_app on PostgreSQL)
	owner  *sqldb.DB // sees every tenant's rows (the owner on PostgreSQL)
	dbURL  string    // for child processes: PostgreSQL AppURL, or the SQLite path
	conn   asynq.RedisClientOpt
	emb    *queue.Embedded // nil on real Redis
	client *asynq.Client
	insp   *asynq.Inspector
	log    *slog.Logger
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// testLogger sends logs to t.Log (shown when the test fails) until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &tlogWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tlogWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func openDB(t *testing.T, o sqldb.Options) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newStack opens a migrated database with a test_effects table and a queue.
func newStack(t *testing.T, b backend) *stack {
	t.Helper()
	s := &stack{backend: b, log: testLogger(t)}
	ctx := testCtx(t)
	if b.real {
		pg := testenv.Postgres(t)
		s.owner = openDB(t, sqldb.Options{URL: pg.OwnerURL})
		s.dbURL = pg.AppURL
	} else {
		s.dbURL = filepath.Join(t.TempDir(), "outbox.db")
		s.owner = openDB(t, sqldb.Options{Path: s.dbURL})
	}
	if _, err := s.owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE test_effects (delivery_id TEXT NOT NULL, tenant_id TEXT NOT NULL, at TIMESTAMP NOT NULL)`}
	if b.real {
		stmts = append(stmts,
			`ALTER TABLE test_effects ENABLE ROW LEVEL SECURITY`,
			`ALTER TABLE test_effects FORCE ROW LEVEL SECURITY`,
			`CREATE POLICY tenant_isolation ON test_effects USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id))`)
	}
	for _, q := range stmts {
		if _, err := s.owner.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if b.real {
		s.db = openDB(t, sqldb.Options{URL: s.dbURL})
		addr, db := testenv.Redis(t)
		s.conn = asynq.RedisClientOpt{Addr: addr, DB: db}
	} else {
		s.db = s.owner
		e, err := queue.StartEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.emb.Close() }) // s.emb may be replaced by a restart
		s.emb = e
		s.conn = asynq.RedisClientOpt{Addr: e.Addr()}
	}
	s.client = asynq.NewClient(s.conn)
	s.insp = asynq.NewInspector(s.conn)
	t.Cleanup(func() { s.client.Close(); s.insp.Close() })
	return s
}

// effectHandler writes the delivery into test_effects in the handler's
// transaction (so it commits exactly when the row is marked done).
func effectHandler(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO test_effects (delivery_id, tenant_id, at) VALUES (?, ?, ?)`,
		d.ID, d.Tenant, time.Now().UTC())
	return err
}

// node is one running relay + worker.
type node struct {
	relay  *outbox.Relay
	worker *outbox.Worker
	stop   func()
}

type nodeOptions struct {
	relay     outbox.RelayOptions
	handlers  func(w *outbox.Worker) // default: effectHandler for effectKind
	noRelay   bool
	noWorker  bool
	quietLogs bool
}

// startNode runs a relay and an Asynq server for s until the test ends.
func startNode(t *testing.T, s *stack, o nodeOptions) *node {
	t.Helper()
	log := s.log
	if o.quietLogs {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.relay.Poll == 0 {
		o.relay.Poll = 20 * time.Millisecond
	}
	if o.relay.StaleAfter == 0 {
		o.relay.StaleAfter = time.Second
	}
	m := outbox.NewMetrics(nil)
	n := &node{worker: outbox.NewWorker(s.db, log, m)}
	n.relay = outbox.NewRelay(s.db, s.client, s.insp, log, m, o.relay)
	if o.handlers != nil {
		o.handlers(n.worker)
	} else {
		n.worker.HandleTx(effectKind, effectHandler)
	}
	var srv *asynq.Server
	if !o.noWorker {
		srv = asynq.NewServer(s.conn, testServerConfig(log))
		if err := srv.Start(n.worker.Mux()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if o.noRelay {
		done <- nil
	} else {
		go func() { done <- n.relay.Run(ctx) }()
	}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("relay: %v", err)
			}
			if srv != nil {
				srv.Shutdown()
			}
		})
	}
	t.Cleanup(n.stop)
	return n
}

func testServerConfig(log *slog.Logger) asynq.Config {
	return asynq.Config{
		Concurrency:              10,
		Queues:                   map[string]int{outbox.Queue: 1},
		Logger:                   queue.Logger(log),
		LogLevel:                 asynq.ErrorLevel,
		ShutdownTimeout:          5 * time.Second,
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 50 * time.Millisecond },
	}
}

// add commits n effect jobs for tenant in one transaction and returns their ids.
func add(t *testing.T, s *stack, tenant string, n int) []string {
	t.Helper()
	var ids []string
	err := s.db.TenantTx(testCtx(t), tenant, func(ctx context.Context, tx bun.Tx) error {
		ids = ids[:0]
		for i := 0; i < n; i++ {
			id, err := outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: tenant, Payload: map[string]int{"i": i}})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// row reads one outbox row (the outbox has no row-level security).
func row(t *testing.T, s *stack, id string) outbox.Row {
	t.Helper()
	var r outbox.Row
	if err := s.db.Read.NewSelect().Model(&r).Where("id = ?", id).Scan(testCtx(t)); err != nil {
		t.Fatalf("outbox row %s: %v", id, err)
	}
	return r
}

func notDone(t *testing.T, s *stack) int {
	t.Helper()
	n, err := s.db.Read.NewSelect().Model((*outbox.Row)(nil)).Where("done_at IS NULL").Count(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// waitAllDone waits until every outbox row is done (a hang guard, not a timing
// assertion: the deadline is far beyond any expected duration).
func waitAllDone(t *testing.T, s *stack, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	pause := 20 * time.Millisecond
	for {
		left := notDone(t, s)
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox rows still not done after %s", left, limit)
		}
		time.Sleep(pause)
		pause = min(2*pause, 500*time.Millisecond) // counting is not free on a long wait
	}
}

// effects counts test_effects rows per delivery id, read as the owner (all tenants).
func effects(t *testing.T, s *stack) map[string]int {
	t.Helper()
	rows, err := s.owner.QueryContext(testCtx(t), `SELECT delivery_id, count(*) FROM test_effects GROUP BY delivery_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		m[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// checkExactlyOnce checks that every outbox row is done and has exactly one
// effect, with the row's tenant, and that there are no other effects.
func checkExactlyOnce(t *testing.T, s *stack, want int) {
	t.Helper()
	var rows []outbox.Row
	if err := s.db.Read.NewSelect().Model(&rows).Column("id", "tenant_id", "done_at").Scan(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != want {
		t.Fatalf("%d outbox rows, want %d", len(rows), want)
	}
	got := effects(t, s)
	var missing, dup, notDone []string
	for _, r := range rows {
		switch n := got[r.ID]; {
		case n == 0:
			missing = append(missing, r.ID)
		case n > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", r.ID, n))
		}
		if r.DoneAt == nil {
			notDone = append(notDone, r.ID)
		}
		delete(got, r.ID)
	}
	if len(missing)+len(dup)+len(notDone)+len(got) > 0 {
		t.Fatalf("not exactly once: %d missing %v, %d duplicated %v, %d not done, %d effects of unknown rows",
			len(missing), head(missing), len(dup), head(dup), len(notDone), len(got))
	}
	var wrongTenant int
	if err := s.owner.QueryRowContext(testCtx(t), `SELECT count(*) FROM test_effects e JOIN outbox o ON o.id = e.delivery_id
		WHERE o.tenant_id <> e.tenant_id`).Scan(&wrongTenant); err != nil {
		t.Fatal(err)
	}
	if wrongTenant != 0 {
		t.Fatalf("%d effects ran for another tenant than their row's", wrongTenant)
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}
