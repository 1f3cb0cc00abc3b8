package authz_test

import (
	"context"
	"testing"

	"doanbd/configs"
	"doanbd/core/authz"
)

// TestBenchDecisionsRuns checks the benchmark measures what it claims (both
// policies, allowed and denied decisions); timings are reported, never asserted.
func TestBenchDecisionsRuns(t *testing.T) {
	rows, err := authz.BenchDecisions(context.Background(), authz.BenchOptions{
		Model: configs.CasbinModel, Policy: configs.CasbinPolicy, Quick: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	for _, r := range rows {
		if r.Decisions == 0 || r.Allowed == 0 || r.Allowed == r.Decisions {
			t.Errorf("%s: %d decisions, %d allowed: the mix must hold both outcomes", r.Name, r.Decisions, r.Allowed)
		}
		t.Logf("%s: p50 %v p99 %v max %v (%d/%d allowed)", r.Name, r.P50, r.P99, r.Max, r.Allowed, r.Decisions)
	}
	if rows[0].Assignments < 20_000 {
		t.Errorf("national policy has %d assignments", rows[0].Assignments)
	}
}
