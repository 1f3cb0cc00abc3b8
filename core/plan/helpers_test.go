package plan_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is a migrated database with the catalogue and the example rate
// tables seeded, and the three services on it.
type env struct {
	db       *sqldb.DB
	programs *program.Service
	budget   *budget.Service
	plans    *plan.Service
	ctx      context.Context
}

func newEnv(t *testing.T, db *sqldb.DB, o plan.Options) *env {
	t.Helper()
	ctx := core.WithPrincipal(context.Background(), core.Principal{UserID: "u-planner"})
	e := &env{db: db, ctx: ctx, programs: program.NewService(db, program.Options{}), budget: budget.NewService(db, budget.Options{})}
	for _, f := range []string{"seed/programs.yaml", "seed/rates.yaml"} {
		src, err := configs.FS.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if f == "seed/programs.yaml" {
			_, err = e.programs.Seed(ctx, src)
		} else {
			_, err = e.budget.SeedRates(ctx, src)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if o.Programs == nil {
		o.Programs = e.programs
	}
	if o.Budget == nil {
		o.Budget = e.budget
	}
	e.plans = plan.NewService(db, o)
	return e
}

func (e *env) program(t *testing.T, tenant, code string) *program.Program {
	t.Helper()
	res, err := e.programs.List(e.ctx, tenant, program.Filter{Search: code})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Items {
		if res.Items[i].Code == code {
			return &res.Items[i]
		}
	}
	t.Fatalf("programme %s not visible to %s", code, tenant)
	return nil
}

func (e *env) annual(t *testing.T, tenant string, year int) *plan.Plan {
	t.Helper()
	p, err := e.plans.Create(e.ctx, tenant, plan.CreateInput{Kind: plan.KindAnnual, Year: year})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func d(s string) budget.Date {
	v, err := budget.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// class is a valid in-person class of programme code in 2026.
func (e *env) class(t *testing.T, tenant, code string) plan.ClassInput {
	t.Helper()
	return plan.ClassInput{ProgramID: e.program(t, tenant, code).ID, Learners: 40, StartDate: d("2026-03-05"),
		EndDate: d("2026-03-07"), Place: "Nhà văn hóa Thanh niên", VenueKind: core.VenueExternal,
		Format: budget.FormatInPerson, LecturerRank: "hang3"}
}

func (e *env) setStatus(t *testing.T, tenant, id, status string) {
	t.Helper()
	if err := e.db.TenantTx(e.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return e.plans.SetStatus(ctx, tx, tenant, id, status)
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) snapshot(t *testing.T, tenant, id string) int {
	t.Helper()
	var n int
	if err := e.db.TenantTx(e.ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		n, err = e.plans.Snapshot(ctx, tx, tenant, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func fields(err error) map[string]string {
	m := map[string]string{}
	for _, f := range core.ErrorFields(err) {
		m[f.Field] = f.Message
	}
	return m
}

func budgetInput(from budget.Date, items []budget.RateItem) budget.RateInput {
	return budget.RateInput{Name: "Định mức chi", EffectiveFrom: from, Items: items}
}
