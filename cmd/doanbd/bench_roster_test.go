package main

import (
	"context"
	"io"
	"testing"

	"doanbd/core/benchkit"
	"doanbd/core/testenv"
)

// TestBenchRosterRows runs the roster benchmarks at the quick size on both
// dialects and checks the rows `doanbd bench` gets (figures are not judged).
func TestBenchRosterRows(t *testing.T) {
	e, err := newBenchEnv(true, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	rows, err := e.benchRoster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := 10 // import (1) and list/search (4) on each dialect
	if rows[0].Skipped != "" {
		want = 6 // PostgreSQL not installed: one skipped row, then SQLite's
	}
	if len(rows) != want {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.Skipped != "" {
			if testenv.RequireExternal() || r.Benchmark != "roster · PostgreSQL" {
				t.Errorf("skipped: %+v", r)
			}
			continue
		}
		if r.Value <= 0 {
			t.Errorf("row %+v", r)
		}
	}
	last := rows[len(rows)-5:] // SQLite's
	if last[0].Goal.Kind != benchkit.RatioAtLeast || last[0].Baseline == nil || last[2].Goal.Kind != benchkit.Below {
		t.Errorf("goals: %+v", last[:3])
	}
}
