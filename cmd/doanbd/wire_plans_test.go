package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/sqldb"
)

// The isolation rows of the catalogue, rate-table and plan routes
// (wire_plans.go), kept beside their wiring and merged into isolationMatrix.
func init() {
	for k, v := range planIsolationRows {
		isolationMatrix[k] = v
	}
}

const isoAPI = "/api/v1/t/:tenant"

var planIsolationRows = map[string]isolationRow{
	// Programme catalogue.
	"GET " + isoAPI + "/programs":               {},
	"GET " + isoAPI + "/program-groups":         {},
	"GET " + isoAPI + "/program-titles":         {},
	"GET " + isoAPI + "/programs/:id":           {Object: isoProgram, ObjectParam: "id"},
	"PATCH " + isoAPI + "/programs/:id":         {Object: isoProgram, ObjectParam: "id", Body: `{"name":"Tên mới"}`},
	"POST " + isoAPI + "/programs/:id/variants": {Object: isoProgram, ObjectParam: "id", Body: `{}`},
	"GET " + isoAPI + "/programs/:id/versions":  {Object: isoProgram, ObjectParam: "id"},
	"GET " + isoAPI + "/programs/:id/versions/:version": {Object: isoProgram, ObjectParam: "id",
		Params: map[string]string{"version": "1"}},

	// Rate tables.
	"GET " + isoAPI + "/rates":        {},
	"GET " + isoAPI + "/rate-items":   {},
	"POST " + isoAPI + "/rates":       {Body: isoRateBody},
	"GET " + isoAPI + "/rates/:id":    {Object: isoRates, ObjectParam: "id"},
	"PUT " + isoAPI + "/rates/:id":    {Object: isoRates, ObjectParam: "id", Body: isoRateBody},
	"DELETE " + isoAPI + "/rates/:id": {Object: isoRates, ObjectParam: "id"},

	// Plans, classes and budget lines.
	"GET " + isoAPI + "/plans":              {},
	"POST " + isoAPI + "/plans":             {Body: `{"kind":"annual","year":2030}`},
	"GET " + isoAPI + "/plans/:id":          {Object: isoPlan, ObjectParam: "id"},
	"PATCH " + isoAPI + "/plans/:id":        {Object: isoPlan, ObjectParam: "id", Body: `{"note":"ghi chú"}`},
	"DELETE " + isoAPI + "/plans/:id":       {Object: isoPlan, ObjectParam: "id"},
	"PUT " + isoAPI + "/plans/:id/targets":  {Object: isoPeriodPlan, ObjectParam: "id", Body: `{"targets":[]}`},
	"GET " + isoAPI + "/plans/:id/progress": {Object: isoPeriodPlan, ObjectParam: "id"},
	"GET " + isoAPI + "/plans/:id/versions": {Object: isoPlan, ObjectParam: "id"},
	"GET " + isoAPI + "/plans/:id/versions/:version": {Object: isoPlan, ObjectParam: "id",
		Params: map[string]string{"version": "1"}},
	"POST " + isoAPI + "/plans/:id/classes":                      {Object: isoPlan, ObjectParam: "id", Body: `{"learners":10}`},
	"PUT " + isoAPI + "/plans/:id/classes/:cid":                  {Object: isoPlan, ObjectParam: "id", Body: `{"learners":10}`},
	"DELETE " + isoAPI + "/plans/:id/classes/:cid":               {Object: isoPlan, ObjectParam: "id"},
	"GET " + isoAPI + "/plans/:id/lines":                         {Object: isoPlan, ObjectParam: "id"},
	"POST " + isoAPI + "/plans/:id/classes/:cid/lines/recompute": {Object: isoPlan, ObjectParam: "id"},
	"PUT " + isoAPI + "/plans/:id/lines/:lid/override": {Object: isoPlan, ObjectParam: "id",
		Body: `{"amount":1000,"reason":"thử"}`},
	"DELETE " + isoAPI + "/plans/:id/lines/:lid/override": {Object: isoPlan, ObjectParam: "id"},
}

const isoRateBody = `{"name":"Định mức","effective_from":"2031-01-01","items":[{"item":"documents","unit":"per_learner","amount":1000,"funding_source":"local"}]}`

var isoCtx = core.WithPrincipal(context.Background(), core.Principal{UserID: "iso-seed"})

// isoProgram returns a programme only tenant sees, with a kept version 1: a
// draft variant of TW3-TC (tw, which makes no variants, gets a draft central
// programme of its own).
func isoProgram(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	svc := e.app.ProgramService()
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Seed(isoCtx, src); err != nil {
		t.Fatal(err)
	}
	own, err := svc.List(isoCtx, tenant, program.Filter{Status: program.StatusDraft})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range own.Items {
		if p.TenantID == tenant {
			return p.ID
		}
	}
	var id string
	if tenant == core.CentralTenant {
		now := time.Now().UTC()
		p := &program.Program{ID: sqldb.NewID(), TenantID: tenant, Code: "ISO-DRAFT", Name: "Chương trình nháp", Group: "TW2",
			Audience: program.Audience{Titles: []string{}, Levels: []string{}, Employment: []string{}},
			Modules:  []program.Module{{Code: "M1", Name: "Chuyên đề", Hours: 4}}, TotalHours: 4, Version: 1,
			Status: program.StatusDraft, Changes: []program.Change{}, CreatedAt: now, UpdatedAt: now}
		if err := e.app.DB.TenantTx(isoCtx, tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(p).Exec(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		id = p.ID
	} else {
		base, err := svc.List(isoCtx, tenant, program.Filter{Search: "TW3-TC"})
		if err != nil || base.Total != 1 {
			t.Fatalf("TW3-TC for %s: %v", tenant, err)
		}
		v, err := svc.CreateVariant(isoCtx, tenant, base.Items[0].ID, program.VariantInput{})
		if err != nil {
			t.Fatal(err)
		}
		id = v.ID
	}
	if err := e.app.DB.TenantTx(isoCtx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := svc.Snapshot(ctx, tx, tenant, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// isoRates returns a rate table of tenant.
func isoRates(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	svc := e.app.BudgetService()
	ts, err := svc.ListRates(isoCtx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) > 0 {
		return ts[0].ID
	}
	rt, err := svc.CreateRates(isoCtx, tenant, budget.RateInput{Name: "Định mức thử", EffectiveFrom: budget.NewDate(2026, 1, 1),
		Items: []budget.RateItem{{Item: budget.ItemDocuments, Unit: budget.UnitLearner, Amount: 100_000, FundingSource: budget.SourceLocal}}})
	if err != nil {
		t.Fatal(err)
	}
	return rt.ID
}

// isoPlan returns tenant's 2026 annual plan, with a kept version 1.
func isoPlan(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	return isoFindPlan(t, e, tenant, plan.CreateInput{Kind: plan.KindAnnual, Year: 2026}, true)
}

// isoPeriodPlan returns tenant's 2023–2027 plan.
func isoPeriodPlan(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	return isoFindPlan(t, e, tenant, plan.CreateInput{Kind: plan.KindPeriod}, false)
}

func isoFindPlan(t *testing.T, e *isoEnv, tenant string, in plan.CreateInput, snapshot bool) string {
	t.Helper()
	svc := e.app.PlanService()
	ps, _, err := svc.List(isoCtx, tenant, plan.ListFilter{Kind: in.Kind, Year: in.Year, Top: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > 0 {
		return ps[0].ID
	}
	p, err := svc.Create(isoCtx, tenant, in)
	if err != nil {
		t.Fatal(err)
	}
	if snapshot {
		if err := e.app.DB.TenantTx(isoCtx, tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := svc.Snapshot(ctx, tx, tenant, p.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

// TestSeedPrograms runs the "programs" seed step twice through the CLI, with
// the demo data: the catalogue, the example rate tables and p79's period plan.
func TestSeedPrograms(t *testing.T) {
	t.Setenv("DOANBD_DATA_DIR", t.TempDir())
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")
	out, err := run(t, "seed", "--demo")
	if err != nil || !strings.Contains(out, "programs: 10 groups, 14 titles; 21 programmes created") ||
		!strings.Contains(out, "rate tables (examples): 5 created") || !strings.Contains(out, "p79 period plan 2023–2027") {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	out, err = run(t, "seed", "--demo")
	if err != nil || !strings.Contains(out, "0 programmes created, 0 updated, 21 unchanged") ||
		!strings.Contains(out, "0 created, 0 updated, 5 unchanged") || strings.Contains(out, "period plan") {
		t.Fatalf("second seed --demo: %v\n%s", err, out)
	}
}
