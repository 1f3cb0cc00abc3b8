package synth_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/synth"
	"doanbd/workflows/engine"
)

// allTenants is an engine authorizer that allows everything everywhere.
type allTenants struct{ slugs []string }

func (a allTenants) Enforce(context.Context, string, string, string, string) (bool, error) {
	return true, nil
}
func (a allTenants) TenantsWhere(context.Context, string, string, string) ([]string, error) {
	return a.slugs, nil
}

// planSubject connects the engine to the plans table, as core/plan does.
type planSubject struct{}

func (planSubject) Workflow(ctx context.Context, q bun.IDB, tenant, id string) (string, error) {
	n, err := q.NewSelect().TableExpr("plans").Where("tenant_id = ? AND id = ? AND parent_plan_id = ''", tenant, id).Count(ctx)
	if err != nil || n == 0 {
		return "", core.Errorf(core.ENOTFOUND, "no plan %s", id)
	}
	return "annual_plan", nil
}

func (planSubject) Load(ctx context.Context, q bun.IDB, tenant, id string) (engine.SubjectInfo, error) {
	var info engine.SubjectInfo
	err := q.NewSelect().TableExpr("plans").ColumnExpr("title, status, created_by AS author_id").
		Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx, &info.Title, &info.Status, &info.AuthorID)
	return info, err
}

func (planSubject) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	_, err := tx.NewUpdate().TableExpr("plans").Set("status = ?", status).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
	return err
}

func TestSeed(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		p := prepare(t, db)
		const n = 4000
		plans := planService(p.DB)
		deps := p.deps
		deps.Snapshot = func(ctx context.Context, tx bun.Tx, tenant, id string) error {
			_, err := plans.Snapshot(ctx, tx, tenant, id)
			return err
		}
		res, err := synth.Seed(ctx, deps, synth.Options{Cadres: n, Plans: 260})
		if err != nil {
			t.Fatal(err)
		}
		if res.Present != 0 || res.Counts.Cadres != n || res.Counts.Plans == 0 || res.Counts.Instances == 0 ||
			res.Counts.Enrolments < 3*n {
			t.Fatalf("result %+v", res)
		}
		for table, want := range map[string]int{
			"units": res.Counts.Units, "cadres": n, "cadre_positions": res.Counts.Positions,
			"cadre_planning": res.Counts.Planning, "cadre_enrolments": res.Counts.Enrolments,
			"plans": res.Counts.Plans, "plan_classes": res.Counts.Classes,
			"budget_lines": res.Counts.BudgetLines, "workflow_instances": res.Counts.Instances,
			"workflow_history": res.Counts.History,
		} {
			if got := count(t, db, "SELECT count(*) FROM "+table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		if err := synth.Vacuum(ctx, db.Owner); err != nil {
			t.Fatal(err)
		}
		if db.Dialect == "postgres" {
			if err := synth.Vacuum(ctx, db.DB); err == nil {
				t.Error("vacuum as the application role (not the owner) did not fail")
			}
		}
		checkWorkflows(t, db)
		checkPlans(t, db, plans, res.Counts.Instances)
		checkRoster(t, p)
		checkEngine(t, p)

		again, err := synth.Seed(ctx, p.deps, synth.Options{Cadres: n})
		if err != nil {
			t.Fatal(err)
		}
		if again.Present == 0 || again.Counts.Cadres != 0 || count(t, db, "SELECT count(*) FROM cadres") != n {
			t.Fatalf("second run wrote data: %+v", again)
		}
	})
}

// count runs a count as the owner (past row-level security).
func count(t *testing.T, db cadretest.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Owner.NewRaw(q, args...).Scan(cadretest.Ctx(t), &n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func checkWorkflows(t *testing.T, db cadretest.DB) {
	t.Helper()
	for _, s := range synth.States {
		if count(t, db, "SELECT count(*) FROM plans WHERE kind = 'annual' AND parent_plan_id = '' AND status = ?", s) == 0 {
			t.Errorf("no annual plan in state %s", s)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM plans p WHERE p.parent_plan_id = '' AND p.status <> 'draft' AND NOT EXISTS
		(SELECT 1 FROM workflow_instances i WHERE i.tenant_id = p.tenant_id AND i.subject_id = p.id AND i.state = p.status)`); n != 0 {
		t.Errorf("%d plans past draft without an instance in their state", n)
	}
	if n := count(t, db, `SELECT count(*) FROM workflow_instances i JOIN plans p ON p.tenant_id = i.tenant_id AND p.id = i.subject_id
		WHERE p.status = 'draft'`); n != 0 {
		t.Errorf("%d drafts have an instance (instances start lazily)", n)
	}
	// The optimistic lock counts transitions; the last history row reaches the state.
	if n := count(t, db, `SELECT count(*) FROM workflow_instances i WHERE i.lock_version <> 1 +
		(SELECT count(*) FROM workflow_history h WHERE h.tenant_id = i.tenant_id AND h.instance_id = i.id)
		OR i.state <> (SELECT h.to_state FROM workflow_history h WHERE h.tenant_id = i.tenant_id AND h.instance_id = i.id
		ORDER BY h.seq DESC LIMIT 1)`); n != 0 {
		t.Errorf("%d instances disagree with their history", n)
	}
	if n := count(t, db, `SELECT count(*) FROM workflow_instances WHERE state IN ('submitted', 'leadership_approved', 'central_review')
		AND due_at IS NULL`); n != 0 {
		t.Errorf("%d instances in states with an SLA have no due date", n)
	}
	if n := count(t, db, `SELECT count(*) FROM budget_lines WHERE quantity * unit_amount <> computed_amount
		OR amount <> COALESCE(override_amount, computed_amount)`); n != 0 {
		t.Errorf("%d budget lines do not add up", n)
	}
	if n := count(t, db, `SELECT count(*) FROM plan_classes c WHERE NOT EXISTS
		(SELECT 1 FROM budget_lines l WHERE l.tenant_id = c.tenant_id AND l.class_id = c.id)`); n != 0 {
		t.Errorf("%d classes without budget lines", n)
	}
}

func planService(db cadretest.DB) *plan.Service {
	return plan.NewService(db.DB, plan.Options{Programs: program.NewService(db.DB, program.Options{}),
		Budget: budget.NewService(db.DB, budget.Options{})})
}

// checkPlans reads synthetic plans through core/plan: every plan past draft
// kept its submitted version, and a plan's totals are its lines' sums.
func checkPlans(t *testing.T, db cadretest.DB, plans *plan.Service, instances int) {
	t.Helper()
	ctx := cadretest.Ctx(t)
	if got := count(t, db, "SELECT count(*) FROM plan_versions"); got != instances {
		t.Errorf("%d plan versions kept, %d plans went past draft", got, instances)
	}
	var ids []struct {
		TenantID, ID string
		Sum          int64
	}
	if err := db.Owner.NewRaw(`SELECT p.tenant_id, p.id, (SELECT COALESCE(SUM(l.amount), 0) FROM budget_lines l
		WHERE l.tenant_id = p.tenant_id AND l.plan_id = p.id) AS sum FROM plans p WHERE p.kind = 'annual' ORDER BY p.id LIMIT 5`).
		Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	for _, x := range ids {
		v, err := plans.Get(ctx, x.TenantID, x.ID)
		if err != nil {
			t.Fatalf("get plan %s/%s: %v", x.TenantID, x.ID, err)
		}
		if len(v.Classes) == 0 || v.Totals.Budget.Amount != x.Sum {
			t.Errorf("plan %s: %d classes, total %d, lines sum to %d", x.ID, len(v.Classes), v.Totals.Budget.Amount, x.Sum)
		}
	}
}

var cccd12 = regexp.MustCompile(`^\d{12}$`)

// checkRoster reads the synthetic roster through the roster service: lists,
// diacritic-insensitive search, filters, and the sealed fields open with
// the key they were sealed with.
func checkRoster(t *testing.T, p prepared) {
	t.Helper()
	ctx := cadretest.Ctx(t)
	s := cadretest.Service(t, p.DB)
	active := count(t, p.DB, "SELECT count(*) FROM cadres WHERE tenant_id = 'p79' AND status = 'active'")
	list, total, err := s.ListCadres(ctx, "p79", roster.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if total != active || len(list) != min(50, active) || active == 0 {
		t.Fatalf("p79 lists %d of %d, roster has %d active", len(list), total, active)
	}
	for _, q := range []string{"nguyen", "Nguyễn", "tran thi"} {
		if _, total, err := s.ListCadres(ctx, "p79", roster.Filter{Q: q, Limit: 10}); err != nil || total == 0 {
			t.Fatalf("search %q: %d found, %v", q, total, err)
		}
	}
	_, byEmployment, err := s.ListCadres(ctx, "p79", roster.Filter{Employment: "kiem_nhiem", Planning: roster.PlanningAny, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if byEmployment == 0 {
		t.Error("no concurrent cadre of p79 is in a planning pool")
	}
	// The training history reads back through the roster, newest first,
	// earned in the cadre's own tenant.
	var withHistory string
	if err := p.Owner.NewRaw("SELECT cadre_id FROM cadre_enrolments WHERE tenant_id = 'p79' AND result = 'completed' LIMIT 1").
		Scan(ctx, &withHistory); err != nil {
		t.Fatal(err)
	}
	es, err := s.Enrolments(ctx, "p79", withHistory)
	if err != nil || len(es) == 0 {
		t.Fatalf("history of %s: %+v, %v", withHistory, es, err)
	}
	for i, e := range es {
		if e.OriginTenant != "p79" || e.ProgramName == "" || (i > 0 && e.Year > es[i-1].Year) {
			t.Errorf("history of %s: %+v", withHistory, es)
		}
	}
	if n := count(t, p.DB, `SELECT count(*) FROM cadre_enrolments e WHERE class_id <> ''
		AND NOT EXISTS (SELECT 1 FROM plan_classes c WHERE c.tenant_id = e.tenant_id AND c.id = e.class_id)`); n != 0 {
		t.Errorf("%d enrolments name a class their tenant does not plan", n)
	}
	sens, err := s.ReadSensitive(ctx, "p79", list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if sens.Ethnicity == "" || sens.Religion == "" || (sens.CCCD != "" && !cccd12.MatchString(sens.CCCD)) {
		t.Fatalf("sensitive fields of %s: %+v", list[0].FullName, sens)
	}
	if sens.CCCD != "" {
		got, err := s.LookupCCCD(ctx, "p79", sens.CCCD)
		if err != nil || len(got) != 1 || got[0].ID != list[0].ID {
			t.Fatalf("lookup by CCCD: %v, %v", got, err)
		}
	}
}

// checkEngine drives the synthetic instances through the real engine: the
// history reads back, the inbox holds the pending plans, and a transition
// from a synthetic state appends the next history row.
func checkEngine(t *testing.T, p prepared) {
	t.Helper()
	ctx := cadretest.Ctx(t)
	var slugs []string
	if err := p.Owner.NewRaw("SELECT id FROM tenants WHERE status = 'active' ORDER BY id").Scan(ctx, &slugs); err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Options{DB: p.DB.DB, Log: discard(), Authz: allTenants{slugs}})
	e.RegisterSubject("plan", planSubject{})
	var tenant, id string
	if err := p.Owner.NewRaw("SELECT tenant_id, subject_id FROM workflow_instances WHERE state = 'submitted' ORDER BY id LIMIT 1").
		Scan(ctx, &tenant, &id); err != nil {
		t.Fatal(err)
	}
	hs, err := e.History(ctx, tenant, "plan", id)
	if err != nil || len(hs) == 0 || hs[len(hs)-1].ToState != "submitted" {
		t.Fatalf("history of %s/%s: %+v, %v", tenant, id, hs, err)
	}
	items, err := e.Inbox(ctx, core.Principal{UserID: "reviewer"})
	if err != nil {
		t.Fatal(err)
	}
	pending := count(t, p.DB, "SELECT count(*) FROM workflow_instances WHERE state IN ('submitted', 'leadership_approved', 'central_review', 'returned')")
	if len(items) != min(pending, 1000) {
		t.Fatalf("inbox has %d items, %d instances are pending", len(items), pending)
	}
	in, err := e.Fire(ctx, core.Principal{UserID: "approver", Name: "Lãnh đạo"}, tenant, "plan", id, engine.FireInput{Action: "approve"})
	if err != nil {
		t.Fatalf("approve synthetic plan: %v", err)
	}
	hs2, err := e.History(ctx, tenant, "plan", id)
	if err != nil || in.State != "leadership_approved" || len(hs2) != len(hs)+1 || hs2[len(hs2)-1].Seq != len(hs)+1 {
		t.Fatalf("after approve: state %s, history %d → %d rows (%v)", in.State, len(hs), len(hs2), err)
	}
}
