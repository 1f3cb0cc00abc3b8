package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"doanbd/core/authz"
	"doanbd/core/config"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/web"
	"doanbd/plugins/host"
	"doanbd/workflows/engine"
	"doanbd/workflows/outbox"
	"doanbd/workflows/queue"
)

// App wires the pieces of one doanbd process. Tests build it in-process.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	DB       *sqldb.DB
	Registry *prometheus.Registry
	Embedded *queue.Embedded // nil in production
	Conn     asynq.RedisConnOpt
	Client   *asynq.Client
	Insp     *asynq.Inspector
	Metrics  *outbox.Metrics
	Worker   *outbox.Worker
	Relay    *outbox.Relay
	Web      *web.Server
	plugins  *host.Host        // see wire_plugins.go
	roster   *rosterParts      // see wire_roster.go
	authz    *authz.Service    // set by setupAuthz
	identity *identity.Service // set by setupAuthz
	wf       *engine.Engine    // see wire_workflows.go
}

// Open connects to the database and the queue; in the embedded mode it also
// migrates and starts the in-process Redis-protocol server.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{Cfg: cfg, Log: log, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	opts := sqldb.Options{URL: cfg.DatabaseURL, Path: cfg.SQLitePath()}
	if cfg.Embedded() {
		opts.URL = ""
	}
	if a.DB, err = sqldb.Open(ctx, opts); err != nil {
		return nil, err
	}
	if cfg.Embedded() {
		if _, err := a.DB.Migrate(ctx); err != nil {
			a.Close()
			return nil, err
		}
		if a.Embedded, err = queue.StartEmbedded(); err != nil {
			a.Close()
			return nil, err
		}
		a.Conn = asynq.RedisClientOpt{Addr: a.Embedded.Addr()}
	} else if a.Conn, err = queue.ConnOpt(cfg.RedisURL); err != nil {
		a.Close()
		return nil, err
	}
	a.Client = asynq.NewClient(a.Conn)
	a.Insp = asynq.NewInspector(a.Conn)
	a.Metrics = outbox.NewMetrics(a.Registry)
	a.Worker = outbox.NewWorker(a.DB, log, a.Metrics)
	a.Relay = outbox.NewRelay(a.DB, a.Client, a.Insp, log, a.Metrics, relayOptions(cfg))
	a.Worker.HandlePurge(a.Relay)
	return a, nil
}

// Ready checks the database and the queue.
func (a *App) Ready(ctx context.Context) error {
	if err := a.DB.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := queue.Ping(ctx, a.Insp); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// BuildWeb builds the HTTP server and its routes.
func (a *App) BuildWeb() error {
	s, err := web.New(web.Options{
		Addr: a.Cfg.Addr, TrustedProxies: a.Cfg.TrustedProxies, BodyLimit: a.Cfg.BodyLimit, Log: a.Log,
		Ready: a.Ready, Metrics: promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}), SecureCookies: a.Cfg.SecureCookies,
	})
	if err != nil {
		return err
	}
	a.Web = s
	return nil
}

// Roles selects what a process runs.
type Roles struct {
	HTTP, Worker, Relay, Scheduler bool
}

// Run runs the selected roles until ctx ends, then shuts them down in order:
// stop accepting HTTP, drain requests, stop the relay and scheduler, stop the
// Asynq server (waiting for running handlers), all within ShutdownTimeout.
func (a *App) Run(ctx context.Context, r Roles, ready func(addr string)) error {
	// Everything that can fail is set up before anything starts, so a bad
	// address or lock leaves nothing running behind the returned error.
	var sched *queue.Scheduler
	if r.Scheduler {
		var err error
		sched, err = queue.NewScheduler(a.Conn, a.Log, []queue.Periodic{{Cron: "@every 1h", Task: asynq.NewTask(outbox.PurgeTask, nil)}})
		if err != nil {
			return err
		}
	}
	if r.HTTP {
		if err := a.Web.Listen(); err != nil {
			return err
		}
	}
	// Half of ShutdownTimeout drains HTTP (and stops the relay and
	// scheduler), the other half lets running jobs finish: the whole shutdown
	// stays within ShutdownTimeout.
	half := a.Cfg.ShutdownTimeout / 2
	var srv *asynq.Server
	if r.Worker {
		srv = asynq.NewServer(a.Conn, workerConfig(a.Cfg, a.Log))
		if err := srv.Start(a.Worker.Mux()); err != nil {
			if r.HTTP {
				_ = a.Web.Shutdown(context.Background()) // closes the listener
			}
			return fmt.Errorf("start worker: %w", err)
		}
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var bgg errgroup.Group
	if r.Relay {
		bgg.Go(func() error { return a.Relay.Run(bg) })
	}
	if sched != nil {
		bgg.Go(func() error { return sched.Run(bg) })
	}
	bgDone := make(chan error, 1)
	go func() { bgDone <- bgg.Wait() }()
	g, gctx := errgroup.WithContext(ctx)
	if r.HTTP {
		g.Go(a.Web.Serve)
	}
	if ready != nil {
		addr := ""
		if r.HTTP {
			addr = a.Web.Addr()
		}
		ready(addr)
	}
	<-gctx.Done()
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), half)
	defer cancel()
	var errs []error
	if r.HTTP {
		errs = append(errs, a.Web.Shutdown(sctx))
	}
	stopBG()
	select {
	case err := <-bgDone:
		errs = append(errs, err)
	case <-sctx.Done():
		errs = append(errs, errors.New("relay/scheduler did not stop in time"))
	}
	if srv != nil {
		srv.Shutdown() // waits up to half for running handlers, then requeues them
		// The finished effect jobs' done marks are written in the background:
		// let them land, so those jobs do not run again after a restart.
		fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, a.Worker.Flush(fctx))
		cancel()
	}
	errs = append(errs, g.Wait())
	return errors.Join(errs...)
}

// workerConfig is the Asynq server of a worker process (and of `doanbd
// bench`, which measures this very configuration).
func workerConfig(cfg config.Config, log *slog.Logger) asynq.Config {
	// When the queue runs dry Asynq sleeps 0.5–1.5× TaskCheckInterval before
	// looking again (default 1 s): that sleep would dominate the latency of
	// jobs arriving at a steady pace. On Redis a look is one cheap call; on the
	// embedded server it is a Lua script interpreted in Go (a fresh VM each
	// time), so the single-node mode looks less often to stay light when idle.
	check := 20 * time.Millisecond
	if cfg.EmbeddedQueue() {
		check = 200 * time.Millisecond
	}
	return asynq.Config{
		Concurrency: cfg.Concurrency, Logger: queue.Logger(log), LogLevel: asynq.WarnLevel,
		// Half of ShutdownTimeout: Run gives the other half to HTTP.
		ShutdownTimeout: cfg.ShutdownTimeout / 2, Queues: map[string]int{outbox.Queue: 1},
		DelayedTaskCheckInterval: time.Second,
		TaskCheckInterval:        check,
	}
}

// relayOptions are the outbox relay's settings. An idle look for new rows is
// one indexed query that finds nothing; on PostgreSQL look often, for low
// latency (several relays each add their own looks).
func relayOptions(cfg config.Config) outbox.RelayOptions {
	o := outbox.RelayOptions{StaleAfter: cfg.OutboxStaleAge, Retention: cfg.OutboxRetention}
	if !cfg.Embedded() {
		o.Poll = 20 * time.Millisecond
	}
	return o
}

// Close releases connections.
func (a *App) Close() {
	a.closePlugins()
	if a.Client != nil {
		_ = a.Client.Close()
	}
	if a.Insp != nil {
		_ = a.Insp.Close()
	}
	if a.Embedded != nil {
		a.Embedded.Close()
	}
	if a.DB != nil {
		if err := a.DB.Close(); err != nil {
			a.Log.Warn("close database", "err", err)
		}
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	o := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, o))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, o))
}
