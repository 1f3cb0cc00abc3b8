package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"doanbd/core/benchkit"
	"doanbd/plugins/host"
)

// The plugins benchmark: a PlanRules call through the bca-rules plugin
// (gRPC to a child process, validation included) against the same rules
// called in-process, interleaved in one loop; and the time from a plugin's
// crash (SIGKILL) to the plugin restarted and serving again. It uses the
// plugins `make build` put in DOANBD_PLUGIN_DIR (default bin/plugins).
func (e *benchEnv) benchPlugins(ctx context.Context) ([]benchkit.Row, error) {
	const name = "plugins · PlanRules, bca-rules, 20 classes × 10 nominees"
	dir := os.Getenv("DOANBD_PLUGIN_DIR")
	if dir == "" {
		dir = filepath.Join("bin", "plugins")
	}
	if _, err := os.Stat(filepath.Join(dir, "bca-rules", host.ManifestFile)); errors.Is(err, os.ErrNotExist) {
		return []benchkit.Row{{Benchmark: name, Figure: "call latency", Skipped: fmt.Sprintf("no bca-rules plugin in %s (run make build)", dir)}}, nil
	}
	o := host.BenchOptions{Dir: dir, Calls: 20_000, Restarts: 5}
	if e.quick {
		o.Calls, o.Restarts = 500, 1
	}
	r, err := host.Bench(ctx, o)
	if err != nil {
		return nil, err
	}
	base := "same rules in-process"
	var tail string
	if r.PluginP99 >= time.Millisecond {
		load, _ := os.ReadFile("/proc/loadavg")
		tail = fmt.Sprintf("p99 over 1 ms: every call needs both processes scheduled (gRPC over a Unix socket), so on a busy "+
			"machine waiting for a CPU makes the tail (load average during the run: %s).",
			strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	}
	return []benchkit.Row{
		{Benchmark: name, Figure: fmt.Sprintf("p50 latency, %d calls", r.Calls), Value: benchkit.Ms(r.PluginP50), Unit: "ms",
			Baseline: &benchkit.Baseline{Name: base, Value: benchkit.Ms(r.InProcessP50)}},
		{Benchmark: name, Figure: fmt.Sprintf("p99 latency, %d calls", r.Calls), Value: benchkit.Ms(r.PluginP99), Unit: "ms",
			Baseline: &benchkit.Baseline{Name: base, Value: benchkit.Ms(r.InProcessP99)}, Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 1},
			Note: tail},
		{Benchmark: "plugins · crash → restarted and serving", Figure: fmt.Sprintf("worst of %d crash(es), SIGKILL to first good call", r.Restarts),
			Value: benchkit.Ms(r.RestartMax), Unit: "ms",
			Note: fmt.Sprintf("median %.0f ms; includes the first restart backoff (250 ms) and the plugin's start", benchkit.Ms(r.RestartP50))},
	}, nil
}
