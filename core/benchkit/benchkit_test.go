package benchkit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerdicts(t *testing.T) {
	base := &Baseline{Name: "raw", Value: 1000}
	for _, tc := range []struct {
		row  Row
		want string
	}{
		{Row{Value: 600, Baseline: base, Goal: Goal{Kind: RatioAtLeast, Limit: 0.5}}, "yes"},
		{Row{Value: 400, Baseline: base, Goal: Goal{Kind: RatioAtLeast, Limit: 0.5}}, "**NO** (0.40×, goal at least 0.50×)"},
		{Row{Value: 400, Goal: Goal{Kind: RatioAtLeast, Limit: 0.5}}, "unknown (no baseline)"},
		{Row{Value: 120, Unit: "ms", Goal: Goal{Kind: Below, Limit: 250}}, "yes"},
		{Row{Value: 250, Unit: "ms", Goal: Goal{Kind: Below, Limit: 250}}, "**NO** (250 ms, goal below 250)"},
		{Row{Value: 1, Skipped: "postgres missing", Goal: Goal{Kind: Below, Limit: 2}}, "not measured"},
		{Row{Value: 1}, "—"},
	} {
		if got := tc.row.Verdict(); got != tc.want {
			t.Errorf("%+v: verdict %q, want %q", tc.row, got, tc.want)
		}
	}
}

func TestStats(t *testing.T) {
	var xs []time.Duration
	for i := 1; i <= 100; i++ {
		xs = append(xs, time.Duration(101-i)*time.Millisecond)
	}
	if p := Percentile(xs, 99); p != 99*time.Millisecond {
		t.Errorf("p99 %v", p)
	}
	if p := Percentile(xs, 50); p != 50*time.Millisecond {
		t.Errorf("p50 %v", p)
	}
	if Percentile(nil, 99) != 0 || Median([]float64{3, 1, 2}) != 2 || Median([]float64{4, 1, 2, 3}) != 2.5 {
		t.Error("small inputs")
	}
}

func TestRunAndReport(t *testing.T) {
	var log bytes.Buffer
	rows := Run(context.Background(), &log, []Benchmark{
		{Name: "ok", Run: func(context.Context) ([]Row, error) {
			return []Row{{Benchmark: "ok", Figure: "speed | fast", Value: 12345, Unit: "rows/s",
				Baseline: &Baseline{Name: "raw", Value: 20000}, Goal: Goal{Kind: RatioAtLeast, Limit: 0.5}, Note: "how"}}, nil
		}},
		{Name: "broken", Run: func(context.Context) ([]Row, error) { return nil, errors.New("no server") }},
	}, 1100*time.Millisecond)
	if len(rows) != 2 || rows[1].Skipped != "no server" {
		t.Fatalf("rows %+v", rows)
	}
	if n := strings.Count(log.String(), ": machine quiet after "); n != 2 {
		t.Errorf("%d settle lines in the log:\n%s", n, log.String())
	}
	var out bytes.Buffer
	m := Machine{CPU: "Test CPU", Cores: 2, MemoryMB: 2048, OS: "linux/amd64", Go: "go1.x", Date: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Commit: "abc"}
	if err := WriteMarkdown(&out, m, true, rows); err != nil {
		t.Fatal(err)
	}
	md := out.String()
	for _, want := range []string{
		"Test CPU, 2 cores, 2.0 GiB memory", "2026-11-25 08:00 UTC", "Commit: abc", "Quick run",
		"| ok | speed \\| fast | 12 345 rows/s | raw: 20 000 rows/s | 0.62× | ≥ 0.5× baseline | yes |",
		"| broken | (benchmark failed) | not measured: no server |",
		"Goals met: 1 of 1.", "- speed | fast: how",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestReadMachine(t *testing.T) {
	m := ReadMachine(".")
	if m.Cores < 1 || m.Go == "" || m.Date.IsZero() {
		t.Fatalf("%+v", m)
	}
}

// Settle samples /proc/stat once a second and gives up at its limit.
func TestSettle(t *testing.T) {
	start := time.Now()
	waited, busy := Settle(context.Background(), 2500*time.Millisecond)
	if waited < time.Second || waited > 4*time.Second || time.Since(start) > 4*time.Second {
		t.Errorf("waited %s (%s by the clock)", waited, time.Since(start))
	}
	if busy < 0 || busy > 1 {
		t.Errorf("busy share %v", busy)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if waited, _ := Settle(ctx, time.Minute); waited > time.Second {
		t.Errorf("a cancelled context waited %s", waited)
	}
}
