package outbox_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

// Environment of a child process (TestOutboxChild).
const (
	envChild = "DOANBD_OUTBOX_CHILD" // "block" or "normal"
	envDB    = "DOANBD_OUTBOX_CHILD_DB"
	envRedis = "DOANBD_OUTBOX_CHILD_REDIS" // "embedded" or "addr/db"
)

// TestOutboxChild is not a test: it is the body of the child process that
// TestKilledDuringHandler starts (this test binary run again). It runs a relay
// and a worker until it is killed. In "block" mode the handler writes its
// effect, reports "BLOCKED <id>" on stdout and never finishes.
func TestOutboxChild(t *testing.T) {
	mode := os.Getenv(envChild)
	if mode == "" {
		t.Skip("runs only as the child process of TestKilledDuringHandler")
	}
	ctx := context.Background()
	o := sqldb.Options{Path: os.Getenv(envDB)}
	if strings.HasPrefix(o.Path, "postgres://") {
		o = sqldb.Options{URL: o.Path}
	}
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{db: db, log: testLogger(t)}
	if r := os.Getenv(envRedis); r == "embedded" {
		// The in-process queue lives and dies with this process.
		e, err := queue.StartEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		s.conn = asynq.RedisClientOpt{Addr: e.Addr()}
	} else {
		addr, db, _ := strings.Cut(r, "/")
		n, _ := strconv.Atoi(db)
		s.conn = asynq.RedisClientOpt{Addr: addr, DB: n}
	}
	s.client, s.insp = asynq.NewClient(s.conn), asynq.NewInspector(s.conn)
	var stdout sync.Mutex
	startNode(t, s, nodeOptions{handlers: func(w *outbox.Worker) {
		w.HandleTx(effectKind, func(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
			if err := effectHandler(ctx, tx, d); err != nil {
				return err
			}
			if mode == "block" {
				stdout.Lock()
				fmt.Printf("BLOCKED %s\n", d.ID)
				stdout.Unlock()
				select {} // until SIGKILL
			}
			return nil
		})
	}})
	fmt.Println("RUNNING")
	select {}
}

func startChild(t *testing.T, s *stack, mode string) *testenv.Child {
	t.Helper()
	redisEnv := "embedded"
	if s.real {
		redisEnv = s.conn.Addr + "/" + strconv.Itoa(s.conn.DB)
	}
	return testenv.StartChild(t, "TestOutboxChild", envChild+"="+mode, envDB+"="+s.dbURL, envRedis+"="+redisEnv)
}

// (b) The process is killed (SIGKILL) after the commit, while its handler is
// running; after a restart every effect happens exactly once. With the
// in-process queue the restart starts with an empty queue (the relay re-enqueues
// at start-up); on Redis the killed worker's tasks stay "active" until their
// lease expires (30 s), then the relay replaces them.
func TestKilledDuringHandler(t *testing.T) {
	t.Parallel() // mostly waits for a lease to expire: overlap it with the others
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			const rows = 3
			add(t, s, "p79", rows)
			c1 := startChild(t, s, "block")
			// SQLite has one writer connection: one handler holds it, blocked,
			// and the others wait for it. On PostgreSQL all three run.
			inFlight := rows
			if !b.real {
				inFlight = 1
			}
			c1.Expect(t, "BLOCKED", inFlight)
			c1.Kill()
			if n := notDone(t, s); n != rows {
				t.Fatalf("%d rows not done after the kill, want %d", n, rows)
			}
			if e := effects(t, s); len(e) != 0 {
				t.Fatalf("effects of killed handlers were committed: %v", e)
			}
			c2 := startChild(t, s, "normal")
			c2.Expect(t, "RUNNING", 1)
			waitAllDone(t, s, 2*time.Minute)
			c2.Kill()
			checkExactlyOnce(t, s, rows)
		})
	}
}

// (c) The queue goes away for a while as rows are written: every row is
// handled after it returns, none lost, none twice. Redis comes back empty
// (testenv.StopRedis kills it): what it held is recovered from the outbox.
// Not parallel: it stops the Redis server every test in this binary shares
// (the parallel tests only start once the sequential ones are done).
func TestQueueOutage(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newStack(t, b)
			startNode(t, s, nodeOptions{quietLogs: true})
			var written atomic.Int64
			stop := make(chan struct{})
			errc := make(chan error, 1)
			go func() { errc <- writeUntil(s, stop, &written) }()

			eventually(t, "rows handled before the outage", func() bool {
				var done int
				_ = s.db.Read.QueryRowContext(context.Background(), `SELECT count(*) FROM outbox WHERE done_at IS NOT NULL`).Scan(&done)
				return done >= 50
			})
			addr := s.conn.Addr
			if b.real {
				testenv.StopRedis(t)
			} else {
				s.emb.Close()
			}
			before := written.Load()
			time.Sleep(1500 * time.Millisecond) // the outage lasts while rows keep coming
			if b.real {
				testenv.StartRedis(t)
			} else {
				e, err := queue.StartEmbeddedAddr(addr)
				if err != nil {
					t.Fatal(err)
				}
				s.emb = e
			}
			during := written.Load() - before
			time.Sleep(300 * time.Millisecond)
			close(stop)
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if during == 0 {
				t.Fatal("no rows were written during the outage")
			}
			waitAllDone(t, s, 2*time.Minute)
			checkExactlyOnce(t, s, int(written.Load()))
			t.Logf("%d rows, %d written while the queue was down", written.Load(), during)
		})
	}
}

// writeUntil commits batches of 5 jobs every 10 ms until stop is closed.
func writeUntil(s *stack, stop chan struct{}, written *atomic.Int64) error {
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return nil
		case <-time.After(10 * time.Millisecond):
		}
		err := s.db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error {
			for i := 0; i < 5; i++ {
				if _, err := outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: "tw"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
		written.Add(5)
	}
}

// (d) 10,000 rows written by concurrent goroutines, for three tenants, are
// each handled exactly once in effect, for their own tenant.
func TestManyConcurrentRows(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, b)
			// Nothing is lost here: no periodic requeue re-checking the backlog.
			startNode(t, s, nodeOptions{quietLogs: true, relay: outbox.RelayOptions{StaleAfter: time.Hour}})
			const goroutines, txs, perTx = 20, 50, 10
			tenants := []string{"tw", "p79", "bca"}
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tenant := tenants[g%len(tenants)]
					for i := 0; i < txs; i++ {
						err := s.db.TenantTx(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
							for k := 0; k < perTx; k++ {
								if _, err := outbox.Add(ctx, tx, outbox.Job{Kind: effectKind, Tenant: tenant}); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// A hang guard: on a busy machine with the race detector the
			// embedded queue (Lua scripts interpreted in Go) needs minutes.
			waitAllDone(t, s, 10*time.Minute)
			checkExactlyOnce(t, s, goroutines*txs*perTx)
		})
	}
}
