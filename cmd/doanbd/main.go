// Command doanbd runs the cadre-training platform: one binary, embedded or
// production mode chosen by configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"doanbd/core/config"
	"doanbd/core/sqldb"
)

// version is set with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "doanbd:", err)
		os.Exit(1)
	}
}

type globals struct {
	configPath string
}

func (g *globals) load() (config.Config, error) {
	return config.Load(g.configPath, os.Environ())
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "doanbd",
		Short:         "Youth Union cadre-training platform (Decision 489/QĐ-TTg)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (default configs/doanbd.yaml if present)")
	root.AddCommand(serveCmd(g), workerCmd(g), migrateCmd(g), seedCmd(g), versionCmd(), workflowCmd(), tenantCmd(g), auditCmd(g), userCmd(g), pluginCmd(g), benchCmd())
	return root
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
}

func serveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the API and web UI (embedded mode: also worker, outbox relay and scheduler)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg)
			ctx, stop := signalContext()
			defer stop()
			a, err := Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Setup(ctx); err != nil {
				return err
			}
			roles := Roles{HTTP: true, Relay: true, Scheduler: cfg.Scheduler}
			if cfg.Embedded() {
				// Single node: everything in one process, exactly one scheduler.
				roles = Roles{HTTP: true, Relay: true, Worker: true, Scheduler: true}
			}
			return a.Run(ctx, roles, func(addr string) {
				mode := "production"
				if cfg.Embedded() {
					mode = "embedded"
				}
				log.Info("doanbd is serving", "url", "http://"+addr+"/", "mode", mode, "version", version)
				// Start-up (migrations, reference data, templates, the
				// OpenAPI document) leaves garbage that the heap would keep
				// from the OS until later GC cycles; give it back once, now
				// that the working set is known.
				debug.FreeOSMemory()
				fmt.Fprintf(cmd.OutOrStdout(), "doanbd %s đang chạy tại http://%s/ (%s)\n", version, addr, mode)
			})
		},
	}
}

func workerCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run background jobs (production); with DOANBD_SCHEDULER=true also the one scheduler",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if cfg.EmbeddedQueue() {
				return errors.New("setting DOANBD_REDIS_URL: a separate worker needs a shared Redis; in the embedded mode `doanbd serve` runs the worker itself")
			}
			log := newLogger(cfg)
			ctx, stop := signalContext()
			defer stop()
			a, err := Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Setup(ctx); err != nil {
				return err
			}
			return a.Run(ctx, Roles{Worker: true, Scheduler: cfg.Scheduler}, func(string) {
				log.Info("doanbd worker running", "scheduler", cfg.Scheduler, "version", version)
			})
		},
	}
}

func migrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			ctx, stop := signalContext()
			defer stop()
			applied, err := migrate(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s)\n", len(applied))
			for _, n := range applied {
				fmt.Fprintln(cmd.OutOrStdout(), "  ", n)
			}
			return nil
		},
	}
}

// migrate applies migrations, as the owner role on PostgreSQL when
// DOANBD_MIGRATE_DATABASE_URL is set.
func migrate(ctx context.Context, cfg config.Config) ([]string, error) {
	o := sqldb.Options{Path: cfg.SQLitePath()}
	if !cfg.Embedded() {
		o.URL = cfg.DatabaseURL
		if cfg.MigrateURL != "" {
			o.URL = cfg.MigrateURL
		}
	}
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Migrate(ctx)
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "doanbd", version) },
	}
}
