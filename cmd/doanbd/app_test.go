package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/config"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/workflows/outbox"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// running is an App whose Run is in progress.
type running struct {
	app    *App
	addr   string
	cancel context.CancelFunc
	done   chan error
	ctx    context.Context
}

// startApp opens, sets up and runs an App with roles, registering a
// transactional handler for "test:ping" before the worker starts.
func startApp(t *testing.T, cfg config.Config, roles Roles, handled chan<- string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	t.Cleanup(cancel) // before Close: goroutines started by Setup stop first
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if handled != nil {
		a.Worker.HandleTx("test:ping", func(_ context.Context, _ bun.Tx, d outbox.Delivery) error {
			handled <- d.ID
			return nil
		})
	}
	r := &running{app: a, cancel: cancel, done: make(chan error, 1), ctx: ctx}
	ready := make(chan string, 1)
	go func() { r.done <- a.Run(ctx, roles, func(addr string) { ready <- addr }) }()
	select {
	case r.addr = <-ready:
	case err := <-r.done:
		t.Fatalf("Run returned before ready: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("not ready after a minute")
	}
	return r
}

// stop cancels Run and checks it returns nil within ShutdownTimeout.
func (r *running) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	r.cancel()
	limit := r.app.Cfg.ShutdownTimeout
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run after shutdown: %v", err)
		}
		if took := time.Since(start); took > limit {
			t.Fatalf("shutdown took %s, more than ShutdownTimeout %s", took, limit)
		}
	case <-time.After(limit + 30*time.Second): // a hang guard
		t.Fatalf("Run did not return within ShutdownTimeout (%s)", limit)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// addPing commits one "test:ping" job for tenant tw.
func addPing(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	var id string
	err := db.TenantTx(context.Background(), "tw", func(ctx context.Context, tx bun.Tx) (err error) {
		id, err = outbox.Add(ctx, tx, outbox.Job{Kind: "test:ping", Tenant: "tw"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func waitHandled(t *testing.T, handled <-chan string, id string) {
	t.Helper()
	select {
	case got := <-handled:
		if got != id {
			t.Fatalf("handled %s, want %s", got, id)
		}
	case <-time.After(time.Minute):
		t.Fatal("job not handled within a minute")
	}
}

// The embedded mode in one process: a fresh data directory is migrated at
// start, the health routes answer, the in-process worker, relay and scheduler
// run jobs, and cancelling shuts everything down cleanly in time.
func TestServeEmbedded(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.ShutdownTimeout = 10 * time.Second
	handled := make(chan string, 1)
	r := startApp(t, cfg, Roles{HTTP: true, Relay: true, Worker: true, Scheduler: true}, handled)
	base := "http://" + r.addr
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
	}
	waitHandled(t, handled, addPing(t, r.app.DB))
	if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "doanbd_outbox_backlog") {
		t.Fatalf("/metrics: %d", code)
	}
	r.stop(t)
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// A bad address fails Run at once and leaves nothing running.
func TestRunFailsCleanly(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	first := startApp(t, cfg, Roles{HTTP: true}, nil)
	defer first.stop(t)
	cfg.Addr = first.addr // taken
	cfg.DataDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if err := a.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, Roles{HTTP: true, Worker: true, Relay: true, Scheduler: true}, nil) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), first.addr) {
			t.Fatalf("Run on a taken address: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run on a taken address did not fail")
	}
}

// Production: `serve` (HTTP and relay, no worker) and `worker` (worker and
// the one scheduler) as two processes on PostgreSQL (as doanbd_app) and Redis.
func TestServeAndWorkerProduction(t *testing.T) {
	pg := testenv.Postgres(t)
	addr, db := testenv.Redis(t)
	if _, err := migrate(context.Background(), config.Config{DatabaseURL: pg.AppURL, MigrateURL: pg.OwnerURL}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.DatabaseURL, cfg.RedisURL = pg.AppURL, fmt.Sprintf("redis://%s/%d", addr, db)
	cfg.EncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	cfg.ShutdownTimeout = 10 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	handled := make(chan string, 1)
	serve := startApp(t, cfg, Roles{HTTP: true, Relay: true}, nil)
	worker := startApp(t, cfg, Roles{Worker: true, Scheduler: true}, handled)
	if worker.addr != "" {
		t.Fatalf("worker reported an HTTP address %q", worker.addr)
	}
	if code, _ := get(t, "http://"+serve.addr+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz %d", code)
	}
	waitHandled(t, handled, addPing(t, serve.app.DB))
	worker.stop(t)
	serve.stop(t)
}
