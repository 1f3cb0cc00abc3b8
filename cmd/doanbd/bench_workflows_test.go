package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"doanbd/core/benchkit"
)

// TestBenchWorkflowsQuick runs the workflow benchmark at the quick scale on
// PostgreSQL + Redis: the plan chain in a closed loop, then in an open loop at
// half its rate, each with transition latency and effect lag against raw
// Asynq, and the goals on both loops.
func TestBenchWorkflowsQuick(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env, log := quickBenchServers(ctx, t, "")
	rows, err := env.benchWorkflows(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	goals := 0
	var open, closed int
	for _, r := range rows {
		if r.Skipped != "" || r.Value <= 0 || r.Baseline == nil || r.Baseline.Value <= 0 {
			t.Errorf("%s: %+v", r.Figure, r)
		}
		if r.Goal.Kind != benchkit.NoGoal {
			goals++
		}
		switch {
		case strings.Contains(r.Figure, "open loop") || strings.Contains(r.Figure, "transitions/s ("):
			open++
		case strings.Contains(r.Figure, "closed loop"):
			closed++
		}
	}
	if len(rows) != 6 || goals != 4 || open != 2 || closed != 3 {
		t.Fatalf("%d rows, %d goals, %d open-loop and %d closed-loop figures:\n%+v\n%s", len(rows), goals, open, closed, rows, log)
	}
}
