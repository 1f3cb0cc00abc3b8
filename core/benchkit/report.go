package benchkit

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where the benchmarks ran.
type Machine struct {
	CPU      string // model name from /proc/cpuinfo
	Cores    int
	MemoryMB int // MemTotal from /proc/meminfo
	OS       string
	Go       string
	Date     time.Time
	Commit   string // git commit, "+ uncommitted changes" when the tree is dirty
}

// ReadMachine reads the machine's description; parts it cannot read say "unknown".
func ReadMachine(dir string) Machine {
	m := Machine{CPU: "unknown", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Go: runtime.Version(), Date: time.Now().UTC(), Commit: "unknown"}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPU = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
			m.MemoryMB = kb / 1024
		}
	}
	if out, err := gitOut(dir, "rev-parse", "--short=12", "HEAD"); err == nil {
		m.Commit = out
		// The report itself may be rewritten by the run: it does not count.
		if st, err := gitOut(dir, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!BENCHMARKS.md"); err == nil && st != "" {
			m.Commit += " + uncommitted changes"
		}
	}
	return m
}

func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WriteMarkdown writes the report: the machine, then one table row per figure
// with its baseline, the ratio and whether the goal is met, then the notes.
func WriteMarkdown(w io.Writer, m Machine, quick bool, rows []Row) error {
	b := &strings.Builder{}
	fmt.Fprintln(b, "# Benchmarks")
	fmt.Fprintln(b)
	fmt.Fprintln(b, "Written by `doanbd bench` (`make bench`); every baseline is measured in the same run on the same machine.")
	if quick {
		fmt.Fprintln(b, "**Quick run** (`--quick`): small sizes that only exercise the harness; the figures are not meaningful.")
	}
	fmt.Fprintln(b)
	fmt.Fprintf(b, "- Machine: %s, %d cores, %s memory, %s\n", m.CPU, m.Cores, mem(m.MemoryMB), m.OS)
	fmt.Fprintf(b, "- Date: %s\n", m.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(b, "- Commit: %s\n", m.Commit)
	fmt.Fprintf(b, "- Go: %s\n", m.Go)
	fmt.Fprintln(b)
	fmt.Fprintln(b, "| Benchmark | Figure | Value | Baseline (same run) | Ratio | Goal | Goal met? |")
	fmt.Fprintln(b, "|---|---|---:|---|---:|---|---|")
	met, judged := 0, 0
	for _, r := range rows {
		value, base, ratio := "—", "—", "—"
		if r.Skipped != "" {
			value = "not measured: " + cell(r.Skipped)
		} else {
			value = num(r.Value) + " " + r.Unit
			if r.Baseline != nil {
				base = fmt.Sprintf("%s: %s %s", cell(r.Baseline.Name), num(r.Baseline.Value), r.Unit)
			}
			if x, ok := r.Ratio(); ok {
				ratio = fmt.Sprintf("%.2f×", x)
			}
		}
		v := r.Verdict()
		if r.Goal.Kind != NoGoal {
			judged++
			if v == "yes" {
				met++
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(r.Benchmark), cell(r.Figure), value, base, ratio, r.Goal.String(r.Unit), v)
	}
	fmt.Fprintln(b)
	fmt.Fprintf(b, "Goals met: %d of %d.\n", met, judged)
	var notes []string
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Note != "" && !seen[r.Note] { // the same note for several stacks once
			seen[r.Note] = true
			notes = append(notes, fmt.Sprintf("- %s: %s", r.Figure, r.Note))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Notes")
		fmt.Fprintln(b)
		fmt.Fprintln(b, strings.Join(notes, "\n"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mem(mb int) string {
	if mb == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f GiB", float64(mb)/1024)
}

// cell keeps text from breaking the table.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", "\\|")
}
