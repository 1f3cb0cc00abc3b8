package definition

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testCatalog = Catalog{
	Subjects:    []string{"plan", "budget", "program"},
	Permissions: []string{"plan.submit", "plan.approve", "plan.record_decision", "plan.review", "plan.return", "plan.reject", "budget.consolidate", "budget.approve", "program.submit", "program.review", "program.appraise"},
	Roles:       []string{"tenant_admin", "central_admin", "approver"},
	Guards:      []string{"plan_valid", "plan_rules", "decision_fields", "budget_compiled", "sent_fields", "variant_valid", "appraisal_fields"},
	Effects:     []string{"snapshot_version", "notify_assignees", "notify_author", "recompute_consolidation", "publish_variant"},
	Fields:      []string{"decision_number", "decision_date", "decision_pdf", "sent_number", "sent_date", "appraisal_number", "appraisal_date"},
}

func TestShippedDefinitionsAreValid(t *testing.T) {
	files, err := filepath.Glob("../../configs/workflows/*.yaml")
	if err != nil || len(files) != 3 {
		t.Fatalf("want 3 shipped definitions, got %v (%v)", files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, probs := Parse(src, testCatalog)
		if probs != nil {
			t.Errorf("%s:\n%v", f, probs)
			continue
		}
		if d.Hash == "" || len(d.Transitions) == 0 {
			t.Errorf("%s: empty parse", f)
		}
	}
}

const good = `name: w
subject: plan
initial: a
states:
  a: {}
  b:
    sla: { due: 2d, remind_after: 1d, escalate_after: 1d12h, escalate_to: approver }
  c: { final: true }
transitions:
  - { action: go, from: a, to: b, permission: plan.submit }
  - { action: done, from: b, to: c, permission: plan.approve }
`

func TestParseGood(t *testing.T) {
	d, probs := Parse([]byte(good), testCatalog)
	if probs != nil {
		t.Fatal(probs)
	}
	if got := d.States["b"].SLA.EscalateAfter; got != 36*time.Hour {
		t.Fatalf("escalate_after = %v", got)
	}
}

func TestProblemsHaveLines(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"unknown state", strings.Replace(good, "to: c,", "to: zz,", 1), 11, `unknown state "zz"`},
		{"no way out", strings.Replace(good, "  c: { final: true }", "  c: {}", 1), 8, `no way out`},
		{"unknown role", strings.Replace(good, "escalate_to: approver", "escalate_to: boss", 1), 7, `unknown role "boss"`},
		{"unknown effect", strings.Replace(good, "permission: plan.approve }", "permission: plan.approve, effects: [fireworks] }", 1), 11, `unknown effect "fireworks"`},
		{"unknown permission", strings.Replace(good, "plan.submit", "plan.fly", 1), 10, `unknown permission "plan.fly"`},
		{"bad duration", strings.Replace(good, "due: 2d", "due: soon", 1), 7, `bad duration`},
		{"unknown key", strings.Replace(good, "initial: a", "initial: a\ncolour: red", 1), 4, `unknown key "colour"`},
		{"duplicate action", strings.Replace(good, "  - { action: done", "  - { action: go, from: a, to: c, permission: plan.submit }\n  - { action: done", 1), 11, `already defined on line 10`},
		{"bad yaml", "name: [unclosed\n", 1, "not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := Parse([]byte(tc.src), testCatalog)
			if probs == nil {
				t.Fatal("want problems")
			}
			found := false
			for _, p := range probs {
				if strings.Contains(p.Message, tc.want) && p.Line == tc.line {
					found = true
				}
			}
			if !found {
				t.Fatalf("want line %d %q, got:\n%v", tc.line, tc.want, probs)
			}
		})
	}
}

func TestUnreachableState(t *testing.T) {
	// d is an island: nothing leads to it.
	src := strings.Replace(good, "  c: { final: true }", "  c: { final: true }\n  d: { final: true }", 1)
	_, probs := Parse([]byte(src), testCatalog)
	if probs == nil || !strings.Contains(probs.Error(), `line 9: state "d" cannot be reached`) {
		t.Fatalf("got %v", probs)
	}
}

func TestParallelCompleteMustExist(t *testing.T) {
	src := strings.Replace(good, "  b:\n", "  b:\n    parallel: { mode: all_of, complete: nowhere, steps: [{ name: x, permission: plan.review }] }\n", 1)
	_, probs := Parse([]byte(src), testCatalog)
	if probs == nil || !strings.Contains(probs.Error(), `unknown state "nowhere"`) {
		t.Fatalf("got %v", probs)
	}
}
