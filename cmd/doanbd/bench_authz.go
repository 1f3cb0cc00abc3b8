package main

import (
	"context"
	"fmt"
	"time"

	"doanbd/configs"
	"doanbd/core/authz"
	"doanbd/core/benchkit"
)

// The authorization benchmark: one Casbin decision (what the guard asks per
// request) with a national-size policy — 100 tenants, 20,000 users, every
// shipped role template — against the same model and enforcer holding a
// 6-rule policy, interleaved in the same run (authz.BenchDecisions); and, for
// reference, the national policy in the classic Casbin layout.

func (e *benchEnv) benchAuthz(ctx context.Context) ([]benchkit.Row, error) {
	rows, err := authz.BenchDecisions(ctx, authz.BenchOptions{
		Model: configs.CasbinModel, Policy: configs.CasbinPolicy, Quick: e.quick, Seed: 1})
	if err != nil {
		return nil, err
	}
	national, small, classic := rows[0], rows[1], rows[2]
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	const name = "authz · Casbin decision"
	note := fmt.Sprintf("%d decisions per policy, %d of the national ones allowed; national policy: %d template rules, %d assignments; the 6-rule policy: %d template rules, %d assignments.",
		national.Decisions, national.Allowed, national.Rules, national.Assignments, small.Rules, small.Assignments)
	return []benchkit.Row{
		{Benchmark: name, Figure: "p50, national policy", Value: us(national.P50), Unit: "µs",
			Baseline: &benchkit.Baseline{Name: "6-rule policy", Value: us(small.P50)}},
		{Benchmark: name, Figure: "p99, national policy", Value: us(national.P99), Unit: "µs",
			Baseline: &benchkit.Baseline{Name: "6-rule policy", Value: us(small.P99)},
			Goal:     benchkit.Goal{Kind: benchkit.Below, Limit: 20}},
		{Benchmark: name, Figure: "p99 of the 6-rule policy over the national one (national within 2× ⇔ ≥ 0.5)",
			Value: us(small.P99), Unit: "µs", Baseline: &benchkit.Baseline{Name: "national policy p99", Value: us(national.P99)},
			Goal: benchkit.Goal{Kind: benchkit.RatioAtLeast, Limit: 0.5}, Note: note},
		{Benchmark: name, Figure: "p50, national policy in the classic layout (one p line per template and permission; reference)",
			Value: us(classic.P50), Unit: "µs", Baseline: &benchkit.Baseline{Name: "this model", Value: us(national.P50)},
			Note: fmt.Sprintf("The classic layout decides the same (checked on 2,000 requests) but evaluates the matcher for each of its %d p lines; measured alone after the others, %d decisions, p99 %.0f µs.",
				classic.Rules, classic.Decisions, us(classic.P99))},
	}, nil
}
