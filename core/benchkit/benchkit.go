// Package benchkit is the small harness behind `doanbd bench`: benchmarks
// return rows (a figure, its baseline measured in the same run, a goal), and
// the harness runs them in order and writes BENCHMARKS.md with the machine
// they ran on. It knows nothing of what is measured; see docs/DEVELOPING.md
// ("Benchmarks") for how a capability adds its own.
package benchkit

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Row is one measured figure.
type Row struct {
	Benchmark string // what runs, e.g. "outbox · PostgreSQL + Redis"
	Figure    string // what is measured, e.g. "throughput, 10 000 rows unpaced"
	Value     float64
	Unit      string // rows/s, ms, MB, …
	// Baseline is the same measurement of the reference, taken in the same
	// run on the same machine (nil: none).
	Baseline *Baseline
	Goal     Goal
	// Skipped says why the figure could not be measured (Value is then meaningless).
	Skipped string
	// Note is a short remark printed under the table.
	Note string
}

// Baseline is the reference a figure is compared with.
type Baseline struct {
	Name  string
	Value float64
}

// GoalKind says how a figure is judged.
type GoalKind int

const (
	// NoGoal: the figure is reported, not judged.
	NoGoal GoalKind = iota
	// Below: Value must be less than Limit.
	Below
	// RatioAtLeast: Value / Baseline must be at least Limit.
	RatioAtLeast
)

// Goal is what a figure should achieve.
type Goal struct {
	Kind  GoalKind
	Limit float64
}

// Ratio is Value / Baseline, if there is a usable baseline.
func (r Row) Ratio() (float64, bool) {
	if r.Skipped != "" || r.Baseline == nil || r.Baseline.Value == 0 || math.IsNaN(r.Baseline.Value) {
		return 0, false
	}
	return r.Value / r.Baseline.Value, true
}

// Verdict is the "goal met?" cell: yes, NO with the shortfall, or why there is none.
func (r Row) Verdict() string {
	if r.Skipped != "" {
		return "not measured"
	}
	switch r.Goal.Kind {
	case Below:
		if r.Value < r.Goal.Limit {
			return "yes"
		}
		return fmt.Sprintf("**NO** (%s %s, goal below %s)", num(r.Value), r.Unit, num(r.Goal.Limit))
	case RatioAtLeast:
		ratio, ok := r.Ratio()
		switch {
		case !ok:
			return "unknown (no baseline)"
		case ratio >= r.Goal.Limit:
			return "yes"
		default:
			return fmt.Sprintf("**NO** (%.2f×, goal at least %.2f×)", ratio, r.Goal.Limit)
		}
	}
	return "—"
}

func (g Goal) String(unit string) string {
	switch g.Kind {
	case Below:
		return fmt.Sprintf("< %s %s", num(g.Limit), unit)
	case RatioAtLeast:
		return fmt.Sprintf("≥ %.2g× baseline", g.Limit)
	}
	return "—"
}

// Benchmark is one entry of the registry: Run measures and returns rows. An
// error ends the benchmark; the rows it returned are kept and the error is
// reported as a skipped row.
type Benchmark struct {
	Name string
	Run  func(ctx context.Context) ([]Row, error)
}

// Run runs the benchmarks in order, logging progress to log.
//
// With settle > 0 each benchmark first waits, up to settle, for the machine to
// be quiet (see Settle): work left behind by the one before it — PostgreSQL's
// autovacuum of a freshly loaded database, a server still exiting — would
// otherwise be measured as part of the next one.
func Run(ctx context.Context, log io.Writer, benches []Benchmark, settle time.Duration) []Row {
	var rows []Row
	for _, b := range benches {
		if settle > 0 {
			waited, busy := Settle(ctx, settle)
			fmt.Fprintf(log, "bench: %s: machine quiet after %s (CPU busy %.0f%%)\n", b.Name, waited.Round(100*time.Millisecond), 100*busy)
		}
		start := time.Now()
		fmt.Fprintf(log, "bench: %s …\n", b.Name)
		got, err := b.Run(ctx)
		rows = append(rows, got...)
		if err != nil {
			fmt.Fprintf(log, "bench: %s failed: %v\n", b.Name, err)
			rows = append(rows, Row{Benchmark: b.Name, Figure: "(benchmark failed)", Skipped: err.Error()})
		}
		fmt.Fprintf(log, "bench: %s done in %s\n", b.Name, time.Since(start).Round(time.Millisecond))
		if ctx.Err() != nil {
			break
		}
	}
	return rows
}

// Percentile returns the p-th percentile (0 < p ≤ 100, nearest rank) of xs.
func Percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(k, len(s)-1))]
}

// Median returns the median of xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ms converts a duration to milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// num formats a figure with a sensible number of digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "n/a"
	case a >= 1000:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func groupThousands(s string) string {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ') // the SI thousands separator, unambiguous in vi and en
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// quietBusy is the share of all CPUs below which the machine counts as quiet.
const quietBusy = 0.15

// Settle waits until the machine's CPUs were busy less than quietBusy of a
// whole second (read from /proc/stat), or until max has passed, and returns
// how long it waited and the last second's busy share. Where /proc/stat
// cannot be read it returns at once.
func Settle(ctx context.Context, max time.Duration) (time.Duration, float64) {
	start := time.Now()
	busy := 0.0
	prev, err := cpuTimes()
	if err != nil {
		return 0, 0
	}
	for time.Since(start) < max && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		cur, err := cpuTimes()
		if err != nil {
			break
		}
		if total := cur.total - prev.total; total > 0 {
			busy = float64(total-(cur.idle-prev.idle)) / float64(total)
		}
		prev = cur
		if busy < quietBusy {
			break
		}
	}
	return time.Since(start), busy
}

type cpuSample struct{ total, idle uint64 }

// cpuTimes reads the all-CPU line of /proc/stat (idle includes iowait).
func cpuTimes() (cpuSample, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return cpuSample{}, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	var s cpuSample
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cpuSample{}, fmt.Errorf("/proc/stat: %w", err)
		}
		s.total += n
		if i == 3 || i == 4 { // idle, iowait
			s.idle += n
		}
	}
	return s, nil
}
