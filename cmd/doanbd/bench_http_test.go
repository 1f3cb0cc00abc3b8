package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"doanbd/core/benchkit"
	"doanbd/core/testenv"
)

// TestBenchHTTPQuick runs the HTTP benchmark end to end at the quick scale:
// the synthetic seed through the real binary, `doanbd serve` and the plain
// baseline on SQLite and on PostgreSQL + Redis, and checks every figure was
// measured against its baseline.
func TestBenchHTTPQuick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	env, log := quickBenchEnv(ctx, t)
	rows, err := env.benchHTTP(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for _, stack := range []string{"SQLite", "PostgreSQL"} {
		figures := map[string]bool{}
		for _, r := range rows {
			if !strings.Contains(r.Benchmark, stack) {
				continue
			}
			if r.Skipped != "" {
				t.Fatalf("%s: %s not measured: %s", r.Benchmark, r.Figure, r.Skipped)
			}
			if r.Value <= 0 {
				t.Errorf("%s: %s = %v", r.Benchmark, r.Figure, r.Value)
			}
			key := strings.Fields(r.Figure)[0]
			figures[key] = true
			if key != "seed" && (r.Baseline == nil || r.Baseline.Value <= 0) {
				t.Errorf("%s: %s has no baseline", r.Benchmark, r.Figure)
			}
		}
		for _, f := range []string{"seed", "throughput,", "p50", "p99", "server"} {
			if !figures[f] {
				t.Errorf("%s: no %q figure in %v", stack, f, figures)
			}
		}
	}
	var md bytes.Buffer
	if err := benchkit.WriteMarkdown(&md, benchkit.ReadMachine("."), true, rows); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + md.String())
	if !strings.Contains(md.String(), "roster list · PostgreSQL + Redis") {
		t.Fatalf("report:\n%s", md.String())
	}
}

// quickBenchEnv builds the binary and opens a quick-scale benchmark
// environment on both stacks (see quickBenchServers). The log collects the
// benchmark's progress.
func quickBenchEnv(ctx context.Context, t *testing.T) (*benchEnv, *bytes.Buffer) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "doanbd")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build doanbd: %v\n%s", err, out)
	}
	return quickBenchServers(ctx, t, bin)
}

// quickBenchServers opens a quick-scale benchmark environment that starts
// bin for its process benchmarks ("" for none) and has its throwaway
// PostgreSQL and redis-server running; without them the test is skipped
// loudly (the reason names the missing package), or fails under
// DOANBD_REQUIRE_EXTERNAL=1.
func quickBenchServers(ctx context.Context, t *testing.T, bin string) (*benchEnv, *bytes.Buffer) {
	t.Helper()
	log := new(bytes.Buffer)
	env, err := newBenchEnv(true, bin, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	_, pgErr := env.postgres(ctx)
	_, rdErr := env.redisAddr()
	for _, err := range []error{pgErr, rdErr} {
		if err == nil {
			continue
		}
		if testenv.IsMissing(err) && !testenv.RequireExternal() {
			t.Skipf("SKIPPED LOUDLY: %v", err)
		}
		t.Fatal(err)
	}
	return env, log
}
