package main

import (
	"context"
	"testing"

	"doanbd/core/benchkit"
)

// TestBenchAuthzRows checks the rows `doanbd bench` gets (figures are not judged here).
func TestBenchAuthzRows(t *testing.T) {
	rows, err := (&benchEnv{quick: true}).benchAuthz(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Value <= 0 || r.Baseline == nil || r.Baseline.Value <= 0 || r.Skipped != "" {
			t.Errorf("row %+v", r)
		}
	}
	if rows[1].Goal.Kind != benchkit.Below || rows[2].Goal.Kind != benchkit.RatioAtLeast {
		t.Errorf("goals %+v %+v", rows[1].Goal, rows[2].Goal)
	}
}
