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
// crash (SIGKILL) to the plugin restarted and serving again. The p99 note
// adds a diagnostic: rounds with this process's GC running and paused, so a
// reader can tell the GC's share of the tail from the machine's load. It
// uses the plugins `make build` put in DOANBD_PLUGIN_DIR (default bin/plugins).
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
	load, _ := os.ReadFile("/proc/loadavg")
	loadNote := strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " ")
	tail := fmt.Sprintf("Then %d calls in alternating rounds: p99 %.2f ms with this process's GC running, %.2f ms with it paused (load average %s).",
		r.GCTrialCalls, benchkit.Ms(r.GCOnP99), benchkit.Ms(r.GCPausedP99), loadNote)
	if r.PluginP99 >= time.Millisecond {
		tail = fmt.Sprintf("p99 over 1 ms: a call needs both processes to get a CPU, and this small process's GC "+
			"(%d cycles during the loop) stops it until all its threads have run; on a busy machine both wait. ", r.GCCycles) + tail
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
