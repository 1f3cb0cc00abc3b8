package host

import (
	"testing"

	"doanbd/plugins/bundled/bcarules/rules"
)

// TestBenchQuick runs the benchmark harness at a tiny scale, so the code
// behind `doanbd bench` is exercised by the tests (figures not asserted).
func TestBenchQuick(t *testing.T) {
	root := t.TempDir()
	install(t, root, "bca-rules", "bcarules", "1.0.0", []string{"PlanRules"}, nil)
	res, err := Bench(ctxT(t), BenchOptions{Dir: root, Calls: 200, Restarts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 200 || res.PluginP99 == 0 || res.InProcessP99 == 0 || res.Restarts != 1 || res.RestartMax == 0 {
		t.Fatalf("result %+v", res)
	}
	t.Logf("plugin p50 %s p99 %s; in-process p50 %s p99 %s; crash→serving %s",
		res.PluginP50, res.PluginP99, res.InProcessP50, res.InProcessP99, res.RestartMax)
}

func BenchmarkPlanRulesPlugin(b *testing.B) {
	root := b.TempDir()
	install(b, root, "bca-rules", "bcarules", "1.0.0", []string{"PlanRules"}, nil)
	h, err := New(Options{Dir: root, Store: staticStore{}})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	plan := BenchPlan()
	ctx := ctxT(b)
	if _, err := h.CheckPlan(ctx, "bca", plan); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := h.CheckPlan(ctx, "bca", plan); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanRulesInProcess(b *testing.B) {
	plan := BenchPlan()
	for b.Loop() {
		rules.Check(plan, map[string]string{})
	}
}
