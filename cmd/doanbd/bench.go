package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"doanbd/core/benchkit"
	"doanbd/core/testenv"
)

// benchmarks is the registry of `doanbd bench`, run in this order. A
// capability adds ONE entry here and its benchmark in bench_<capability>.go
// (see docs/DEVELOPING.md, "Benchmarks").
func benchmarks(env *benchEnv) []benchkit.Benchmark {
	return []benchkit.Benchmark{
		{Name: "outbox", Run: env.benchOutbox},
		{Name: "process", Run: env.benchProcess},
		{Name: "plugins", Run: env.benchPlugins},
		{Name: "authz", Run: env.benchAuthz},
		{Name: "http", Run: env.benchHTTP},
		{Name: "workflows", Run: env.benchWorkflows},
		{Name: "roster", Run: env.benchRoster},
		{Name: "pages", Run: env.benchPages},
	}
}

func benchCmd() *cobra.Command {
	var quick bool
	var out, binary, only string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput, latency, start-up time and memory against same-run baselines; write BENCHMARKS.md",
		Long: "Starts throwaway PostgreSQL and Redis servers (like the tests do), runs every registered benchmark\n" +
			"with its baseline, and writes a Markdown report. --quick uses small sizes (for tests).",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signalContext()
			defer stop()
			if binary == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("find the doanbd binary: %w", err)
				}
				binary = exe
			}
			env, err := newBenchEnv(quick, binary, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer env.Close()
			benches, err := selectBenchmarks(benchmarks(env), only)
			if err != nil {
				return err
			}
			settle := 2 * time.Minute // see benchkit.Run
			if quick {
				settle = 0
			}
			rows := benchkit.Run(ctx, env.log, benches, settle)
			if ctx.Err() != nil {
				return fmt.Errorf("bench interrupted: %w", ctx.Err())
			}
			wd, _ := os.Getwd()
			f, err := os.Create(out)
			if err != nil {
				return fmt.Errorf("bench report: %w", err)
			}
			if err := benchkit.WriteMarkdown(f, benchkit.ReadMachine(wd), quick, rows); err != nil {
				f.Close()
				return fmt.Errorf("bench report %s: %w", out, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("bench report %s: %w", out, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d figures)\n", out, len(rows))
			return nil
		},
	}
	cmd.Flags().BoolVar(&quick, "quick", false, "small sizes: exercise the harness quickly, figures not meaningful")
	cmd.Flags().StringVar(&out, "out", "BENCHMARKS.md", "report file")
	cmd.Flags().StringVar(&only, "only", "", "comma-separated benchmark names to run (default: all)")
	cmd.Flags().StringVar(&binary, "binary", "", "doanbd binary to start for the process benchmarks (default: this one)")
	return cmd
}

// selectBenchmarks keeps the benchmarks named in only (all when empty).
func selectBenchmarks(all []benchkit.Benchmark, only string) ([]benchkit.Benchmark, error) {
	if only == "" {
		return all, nil
	}
	var names []string
	byName := map[string]benchkit.Benchmark{}
	for _, b := range all {
		names = append(names, b.Name)
		byName[b.Name] = b
	}
	var out []benchkit.Benchmark
	for _, n := range strings.Split(only, ",") {
		b, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("bench --only: no benchmark %q (have %s)", n, strings.Join(names, ", "))
		}
		out = append(out, b)
	}
	return out, nil
}

// benchEnv is what benchmarks share: the run's size, a scratch directory, and
// throwaway servers started on first use and stopped by Close.
type benchEnv struct {
	quick  bool
	binary string
	dir    string
	log    io.Writer

	mu    sync.Mutex
	pg    *testenv.PostgresServer
	pgErr error
	redis *testenv.RedisServer
	rdErr error
}

func newBenchEnv(quick bool, binary string, log io.Writer) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "doanbd-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench scratch dir: %w", err)
	}
	return &benchEnv{quick: quick, binary: binary, dir: dir, log: log}, nil
}

// postgres returns the throwaway server's URLs (owner and doanbd_app).
func (e *benchEnv) postgres(ctx context.Context) (testenv.PG, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pg == nil && e.pgErr == nil {
		fmt.Fprintln(e.log, "bench: starting a throwaway PostgreSQL")
		e.pg, e.pgErr = testenv.StartPostgresServer(ctx)
	}
	if e.pgErr != nil {
		return testenv.PG{}, e.pgErr
	}
	return e.pg.PG, nil
}

// redisAddr returns the throwaway redis-server's address, emptied.
func (e *benchEnv) redisAddr() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.redis == nil && e.rdErr == nil {
		fmt.Fprintln(e.log, "bench: starting a throwaway redis-server")
		e.redis, e.rdErr = testenv.StartRedisServer()
	}
	if e.rdErr != nil {
		return "", e.rdErr
	}
	if err := e.redis.Flush(); err != nil {
		return "", fmt.Errorf("flush redis: %w", err)
	}
	return e.redis.Addr, nil
}

// scratch returns a new empty directory for one measurement.
func (e *benchEnv) scratch(name string) (string, error) {
	d, err := os.MkdirTemp(e.dir, name+"-")
	if err != nil {
		return "", fmt.Errorf("bench scratch dir: %w", err)
	}
	return d, nil
}

func (e *benchEnv) Close() {
	if e.pg != nil {
		e.pg.Stop()
	}
	if e.redis != nil {
		e.redis.Stop()
	}
	if err := os.RemoveAll(e.dir); err != nil {
		fmt.Fprintf(e.log, "bench: remove %s: %v\n", filepath.Clean(e.dir), err)
	}
}
