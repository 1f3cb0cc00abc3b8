package host

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"doanbd/core"
	"doanbd/plugins/bundled/bcarules/rules"
)

// BenchOptions configure Bench.
type BenchOptions struct {
	Dir      string // plugin directory holding bca-rules (bin/plugins after make build)
	Calls    int    // PlanRules calls measured each way (default 20 000)
	Restarts int    // crash → serving samples (default 5)
}

// BenchResult is what Bench measured. Plugin and in-process calls are
// interleaved in one loop, so both see the same machine load.
type BenchResult struct {
	Calls                      int
	PluginP50, PluginP99       time.Duration // Host.CheckPlan → bca-rules over gRPC
	InProcessP50, InProcessP99 time.Duration // the same rules.Check called directly
	// GCTrialCalls more plugin calls, in alternating rounds with this
	// process's garbage collector running and paused: how much of the tail
	// its GC cycles make, measured under the same load.
	GCTrialCalls           int
	GCOnP99, GCPausedP99   time.Duration
	GCCycles               uint32 // this process's GC cycles during the main loop
	Restarts               int
	RestartP50, RestartMax time.Duration // SIGKILL → first successful call (default backoff)
}

// staticStore enables bca-rules for tenant bca and keeps nothing.
type staticStore struct{}

func (staticStore) Enabled(_ context.Context, tenant string) ([]TenantPlugin, error) {
	if tenant != "bca" {
		return nil, nil
	}
	return []TenantPlugin{{Plugin: "bca-rules", Enabled: true, Settings: map[string]string{}}}, nil
}
func (staticStore) SaveCatalog(context.Context, string, string, []core.LocalProgram) error {
	return nil
}
func (staticStore) LoadCatalog(context.Context, string, string) ([]core.LocalProgram, bool, error) {
	return nil, false, nil
}
func (staticStore) SetStatus(context.Context, string, string, string) error { return nil }

// BenchPlan is a realistic annual plan of a ministry unit: 20 classes of 10
// nominees each, some breaking the rules.
func BenchPlan() core.PlanForRules {
	p := core.PlanForRules{Tenant: "bca", Year: 2027}
	start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		c := core.ClassForRules{ID: fmt.Sprintf("class-%02d", i), ProgramCode: "TW3-TC-BCA", Learners: 60,
			Start: start.AddDate(0, 0, 14*i), End: start.AddDate(0, 0, 14*i+2), Place: "Trường Đại học An ninh nhân dân",
			VenueKind: core.VenueInternal, Format: "in_person"}
		if i%5 == 4 {
			c.VenueKind, c.Place = core.VenueExternal, "Khách sạn Kim Liên"
		}
		for j := range 10 {
			unit := "bca"
			if (i+j)%17 == 0 {
				unit = "p79"
			}
			c.Nominees = append(c.Nominees, core.NomineeForRules{CadreID: fmt.Sprintf("k%03d", i*10+j), Name: "Nguyễn Văn An",
				BirthDate: time.Date(1995, 1, 1+j, 0, 0, 0, 0, time.UTC), Title: "bi_thu_chi_doan", UnitTenant: unit})
		}
		p.Classes = append(p.Classes, c)
	}
	return p
}

// Bench measures a PlanRules call through the bca-rules plugin against the
// same rule called in-process (goal: plugin p99 under 1 ms), and the time
// from a plugin crash to the plugin restarted and serving again.
func Bench(ctx context.Context, o BenchOptions) (BenchResult, error) {
	if o.Calls <= 0 {
		o.Calls = 20_000
	}
	if o.Restarts <= 0 {
		o.Restarts = 5
	}
	res := BenchResult{Calls: o.Calls}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	newHost := func() (*Host, error) {
		return New(Options{Dir: o.Dir, Store: staticStore{}, Log: log, MaxCrashes: 1000})
	}
	plan := BenchPlan()
	h, err := newHost()
	if err != nil {
		return res, err
	}
	defer h.Close()
	want := len(rules.Check(plan, nil))
	for range 200 { // start the plugin, warm both paths
		if vs, err := h.CheckPlan(ctx, "bca", plan); err != nil || len(vs) != want {
			return res, fmt.Errorf("warm-up: %d violations (want %d): %w", len(vs), want, err)
		}
	}
	viaPlugin := make([]time.Duration, 0, o.Calls)
	inProcess := make([]time.Duration, 0, o.Calls)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcBefore := ms.NumGC
	for range o.Calls {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		t0 := time.Now()
		vs, err := h.CheckPlan(ctx, "bca", plan)
		viaPlugin = append(viaPlugin, time.Since(t0))
		if err != nil || len(vs) != want {
			return res, fmt.Errorf("plugin call: %d violations: %w", len(vs), err)
		}
		t0 = time.Now()
		vs = rules.Check(plan, map[string]string{})
		inProcess = append(inProcess, time.Since(t0))
		if len(vs) != want {
			return res, fmt.Errorf("in-process: %d violations", len(vs))
		}
	}
	runtime.ReadMemStats(&ms)
	res.GCCycles = ms.NumGC - gcBefore
	res.PluginP50, res.PluginP99 = percentile(viaPlugin, 50), percentile(viaPlugin, 99)
	res.InProcessP50, res.InProcessP99 = percentile(inProcess, 50), percentile(inProcess, 99)
	res.GCTrialCalls = max(o.Calls/10, 200)
	if res.GCOnP99, res.GCPausedP99, err = benchGCTrial(ctx, h, plan, want, res.GCTrialCalls); err != nil {
		return res, err
	}

	// Crash → serving, each on a fresh host so every sample sees the first
	// (shortest) backoff, as an occasionally crashing plugin does.
	var restarts []time.Duration
	for range o.Restarts {
		d, err := benchRestart(ctx, newHost, plan)
		if err != nil {
			return res, err
		}
		restarts = append(restarts, d)
	}
	res.Restarts = len(restarts)
	res.RestartP50, res.RestartMax = percentile(restarts, 50), percentile(restarts, 100)
	return res, nil
}

// benchGCTrial times n plugin calls (each followed by the in-process call,
// as in the main loop) in rounds of 100 that alternate between the garbage
// collector running and paused. A diagnostic: it tells the tail that this
// small process's GC cycles make (their stop-the-world phases wait for every
// thread to get a CPU) from the rest, under the same load.
func benchGCTrial(ctx context.Context, h *Host, plan core.PlanForRules, want, n int) (on, paused time.Duration, err error) {
	const round = 100
	old := debug.SetGCPercent(-1)
	defer func() { debug.SetGCPercent(old); runtime.GC() }()
	var lat [2][]time.Duration // running, paused
	for i := range n {
		if i%round == 0 {
			debug.SetGCPercent([]int{old, -1}[i/round%2])
		}
		t0 := time.Now()
		vs, err := h.CheckPlan(ctx, "bca", plan)
		lat[i/round%2] = append(lat[i/round%2], time.Since(t0))
		if err != nil || len(vs) != want {
			return 0, 0, fmt.Errorf("GC trial: %d violations: %w", len(vs), err)
		}
		rules.Check(plan, map[string]string{})
	}
	return percentile(lat[0], 99), percentile(lat[1], 99), nil
}

func benchRestart(ctx context.Context, newHost func() (*Host, error), plan core.PlanForRules) (time.Duration, error) {
	h, err := newHost()
	if err != nil {
		return 0, err
	}
	defer h.Close()
	if _, err := h.CheckPlan(ctx, "bca", plan); err != nil {
		return 0, err
	}
	p := h.procs["bca-rules"]
	p.mu.Lock()
	proc := p.cmd.Process
	p.mu.Unlock()
	t0 := time.Now()
	if err := proc.Kill(); err != nil {
		return 0, fmt.Errorf("kill plugin: %w", err)
	}
	for time.Since(t0) < time.Minute {
		if _, err := h.CheckPlan(ctx, "bca", plan); err == nil {
			if in, _ := h.Plugin("bca-rules"); in.PID != proc.Pid {
				return time.Since(t0), nil
			}
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("plugin not serving a minute after a crash")
}

// percentile returns the p-th percentile (nearest rank) of xs.
func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(k, len(s)-1))]
}
