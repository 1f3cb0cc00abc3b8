package plan_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

func TestVersionsKeptOnResubmission(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p79", 2026)
		if _, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW1-BTX")); err != nil {
			t.Fatal(err)
		}
		// Submitted: version 1 kept; the plan is locked.
		if n := e.snapshot(t, "p79", p.ID); n != 1 {
			t.Fatalf("first snapshot = %d", n)
		}
		if n := e.snapshot(t, "p79", p.ID); n != 1 {
			t.Fatalf("snapshot again for the same submission = %d", n)
		}
		e.setStatus(t, "p79", p.ID, "submitted")
		if _, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW2-CB")); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("edit while submitted: %v", err)
		}
		title := "x"
		if _, err := e.plans.Update(e.ctx, "p79", p.ID, plan.Patch{Title: &title}); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("rename while submitted: %v", err)
		}
		if err := e.plans.Delete(e.ctx, "p79", p.ID); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("delete while submitted: %v", err)
		}
		// Returned for revision: editable again; the revision is version 2.
		e.setStatus(t, "p79", p.ID, plan.StatusReturned)
		if _, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW2-CB")); err != nil {
			t.Fatal(err)
		}
		if n := e.snapshot(t, "p79", p.ID); n != 2 {
			t.Fatalf("resubmission snapshot = %d", n)
		}
		e.setStatus(t, "p79", p.ID, "submitted")
		if n := e.snapshot(t, "p79", p.ID); n != 2 {
			t.Fatalf("snapshot again = %d", n)
		}
		// Returned and resubmitted unchanged: still a new version.
		e.setStatus(t, "p79", p.ID, plan.StatusReturned)
		if n := e.snapshot(t, "p79", p.ID); n != 3 {
			t.Fatalf("unchanged resubmission = %d", n)
		}
		vs, err := e.plans.Versions(e.ctx, "p79", p.ID)
		if err != nil || len(vs) != 3 || vs[0].Version != 1 || vs[2].Version != 3 {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		readClasses := func(n int) int {
			v, err := e.plans.GetVersion(e.ctx, "p79", p.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			var snap plan.View
			if err := json.Unmarshal(v.Snapshot, &snap); err != nil {
				t.Fatal(err)
			}
			if snap.Version != n || snap.ID != p.ID {
				t.Fatalf("snapshot %d says version %d of %s", n, snap.Version, snap.ID)
			}
			return len(snap.Classes)
		}
		if readClasses(1) != 1 || readClasses(2) != 2 {
			t.Fatal("version 1 must keep one class and version 2 two")
		}
		if _, err := e.plans.GetVersion(e.ctx, "p01", p.ID, 1); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 reads p79's version: %v", err)
		}
		if cur, _ := e.plans.Get(e.ctx, "p79", p.ID); cur.Version != 3 {
			t.Fatalf("plan version = %d", cur.Version)
		}
	})
}

func TestSubPlanRollup(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		if _, err := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindAnnual, Year: 2026, UnitID: "u-q1"}); fields(err)["parent_plan_id"] == "" {
			t.Fatalf("sub-plan before the tenant plan: %v", err)
		}
		p := e.annual(t, "p79", 2026)
		sub, err := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindAnnual, Year: 2026, UnitID: "u-q1", Title: "Kế hoạch của Đoàn khối"})
		if err != nil || sub.ParentPlanID != p.ID {
			t.Fatalf("sub-plan = %+v, %v", sub, err)
		}
		if _, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW1-BTX")); err != nil {
			t.Fatal(err)
		}
		in := e.class(t, "p79", "TINH3-BTCD") // chi đoàn secretaries: 16 h = 4 sessions
		in.Learners, in.VenueKind, in.Format = 60, core.VenueInternal, budget.FormatOnline
		sc, err := e.plans.AddClass(e.ctx, "p79", sub.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		wantSub := int64(4*1_200_000 + 60*120_000 + 60*30_000 + 2_500_000)
		if sc.Totals.Amount != wantSub {
			t.Fatalf("sub-plan class = %d, want %d", sc.Totals.Amount, wantSub)
		}
		v, err := e.plans.Get(e.ctx, "p79", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Classes) != 1 || len(v.SubPlans) != 1 || v.SubPlans[0].Totals.Learners != 60 ||
			v.Rollup.Classes != 2 || v.Rollup.Learners != 100 || v.Rollup.Budget.Amount != 100_700_000+wantSub ||
			v.Rollup.ByGroup["TINH3"].Classes != 1 {
			t.Fatalf("roll-up = %+v subs %+v", v.Rollup, v.SubPlans)
		}
		subs, n, err := e.plans.List(e.ctx, "p79", plan.ListFilter{ParentPlanID: p.ID})
		if err != nil || n != 1 || subs[0].ID != sub.ID {
			t.Fatalf("sub-plans = %+v", subs)
		}
		if top, n, _ := e.plans.List(e.ctx, "p79", plan.ListFilter{Top: true}); n != 1 || top[0].ID != p.ID {
			t.Fatalf("top plans = %d", n)
		}
		// Submitting the tenant plan freezes its sub-plans.
		e.setStatus(t, "p79", p.ID, "submitted")
		if _, err := e.plans.AddClass(e.ctx, "p79", sub.ID, in); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("sub-plan edited while its plan is submitted: %v", err)
		}
		// Sub-plans have no workflow of their own.
		err = e.db.TenantTx(e.ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
			_, err := e.plans.ForWorkflow(ctx, tx, "p79", sub.ID)
			return err
		})
		if core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("sub-plan workflow: %v", err)
		}
		// Many at once (the inbox): found ones keyed tenant/id, unknown ones absent.
		err = e.db.TenantTx(e.ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
			many, err := e.plans.ForWorkflowMany(ctx, tx, []string{"p79"}, []string{p.ID, "no-such-plan"})
			if err != nil {
				return err
			}
			one, err := e.plans.ForWorkflow(ctx, tx, "p79", p.ID)
			if len(many) != 1 || many["p79/"+p.ID] != one {
				t.Errorf("ForWorkflowMany = %+v, want %+v", many, one)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestPeriodPlanProgress(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		pp, err := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindPeriod})
		if err != nil || pp.PeriodFrom != 2023 || pp.PeriodTo != 2027 || pp.Year != 2023 {
			t.Fatalf("period plan = %+v, %v", pp, err)
		}
		_, err = e.plans.SetTargets(e.ctx, "p79", pp.ID, []plan.Target{
			{Year: 2022, Dimension: plan.DimGroup, Key: "TW1", Classes: 1},
			{Year: 2026, Dimension: plan.DimGroup, Key: "TW9", Classes: 1},
			{Year: 2026, Dimension: plan.DimSource, Key: "local", Classes: 2},
			{Year: 2026, Dimension: "unit", Key: "x"},
		})
		got := fields(err)
		for _, f := range []string{"targets[0].year", "targets[1].key", "targets[2].classes", "targets[3].dimension"} {
			if got[f] == "" {
				t.Errorf("no error on %s: %v", f, got)
			}
		}
		if _, err := e.plans.SetTargets(e.ctx, "p79", pp.ID, []plan.Target{
			{Year: 2026, Dimension: plan.DimGroup, Key: "TW1", Classes: 2, Learners: 80},
			{Year: 2026, Dimension: plan.DimGroup, Key: "TW4", Classes: 1, Learners: 40},
			{Year: 2026, Dimension: plan.DimSource, Key: "local", Amount: 150_000_000},
			{Year: 2027, Dimension: plan.DimGroup, Key: "TW1", Classes: 3, Learners: 120},
		}); err != nil {
			t.Fatal(err)
		}
		a := e.annual(t, "p79", 2026)
		if a.PeriodPlanID != pp.ID {
			t.Fatalf("annual plan not linked to the period plan: %q", a.PeriodPlanID)
		}
		if _, err := e.plans.AddClass(e.ctx, "p79", a.ID, e.class(t, "p79", "TW1-BTX")); err != nil {
			t.Fatal(err)
		}
		v, err := e.plans.Get(e.ctx, "p79", pp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Targets) != 4 || len(v.Progress) != 5 {
			t.Fatalf("targets %d, progress years %d", len(v.Targets), len(v.Progress))
		}
		y26 := v.Progress[3]
		if y26.Year != 2026 || y26.AnnualPlanID != a.ID || y26.AnnualStatus != plan.StatusDraft ||
			y26.TargetClasses != 3 || y26.PlannedClasses != 1 || y26.TargetLearners != 120 || y26.PlannedLearners != 40 ||
			y26.TargetAmount != 150_000_000 || y26.PlannedAmount != 100_700_000 {
			t.Fatalf("2026 = %+v", y26)
		}
		if len(y26.Groups) != 2 || y26.Groups[0].Group != "TW1" || y26.Groups[0].PlannedClasses != 1 || y26.Groups[1].PlannedClasses != 0 {
			t.Fatalf("2026 groups = %+v", y26.Groups)
		}
		if y26.Sources[1].Source != "local" || y26.Sources[1].PlannedAmount != 100_700_000 || y26.Sources[1].TargetAmount != 150_000_000 {
			t.Fatalf("2026 sources = %+v", y26.Sources)
		}
		y27 := v.Progress[4]
		if y27.AnnualPlanID != "" || y27.TargetClasses != 3 || y27.PlannedClasses != 0 {
			t.Fatalf("2027 = %+v", y27)
		}
	})
}

func TestConsolidation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		centralClass := func(tenant string) plan.ClassInput {
			in := e.class(t, tenant, "TW4-CDS")
			in.FundingSource = budget.SourceCentral
			return in
		}
		// p79: approved, one central and one local class, plus a sub-plan class.
		p79 := e.annual(t, "p79", 2026)
		c79, err := e.plans.AddClass(e.ctx, "p79", p79.ID, centralClass("p79"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.plans.AddClass(e.ctx, "p79", p79.ID, e.class(t, "p79", "TW1-BTX")); err != nil {
			t.Fatal(err)
		}
		sub, _ := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindAnnual, Year: 2026, UnitID: "u-1"})
		s79, err := e.plans.AddClass(e.ctx, "p79", sub.ID, centralClass("p79"))
		if err != nil {
			t.Fatal(err)
		}
		e.setStatus(t, "p79", p79.ID, plan.StatusApproved)
		// p01: approved with a central class; bqp: submitted only (not counted).
		p01 := e.annual(t, "p01", 2026)
		c01, err := e.plans.AddClass(e.ctx, "p01", p01.ID, centralClass("p01"))
		if err != nil {
			t.Fatal(err)
		}
		e.setStatus(t, "p01", p01.ID, plan.StatusApproved)
		bqp := e.annual(t, "bqp", 2026)
		if _, err := e.plans.AddClass(e.ctx, "bqp", bqp.ID, e.class(t, "bqp", "TW4-CDS")); err != nil {
			t.Fatal(err)
		}
		e.setStatus(t, "bqp", bqp.ID, "submitted")

		res, err := e.plans.Consolidate(e.ctx, plan.ConsolidationQuery{Year: 2026, Tenants: []string{"p79", "p01", "bqp"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Plans) != 2 || res.Total != c79.Totals.Amount+s79.Totals.Amount+c01.Totals.Amount {
			t.Fatalf("consolidation = %+v", res)
		}
		if len(res.Rows) != 2 || res.Rows[0].Tenant != "p01" || res.Rows[1].Tenant != "p79" || res.Rows[1].Classes != 2 ||
			res.Rows[1].Learners != 80 || res.Rows[1].Group != "TW4" || res.Rows[1].FundingSource != budget.SourceCentral {
			t.Fatalf("rows = %+v", res.Rows)
		}
		if len(res.ByGroup) != 1 || res.ByGroup[0].Classes != 3 || res.ByGroup[0].Amount != res.Total {
			t.Fatalf("by group = %+v", res.ByGroup)
		}
		// Only the tenants asked for are read; local lines on request.
		only, err := e.plans.Consolidate(e.ctx, plan.ConsolidationQuery{Year: 2026, Tenants: []string{"p01"},
			Sources: []string{budget.SourceCentral, budget.SourceLocal}})
		if err != nil || only.Total != c01.Totals.Amount || len(only.Plans) != 1 {
			t.Fatalf("p01 only = %+v, %v", only, err)
		}
		if none, _ := e.plans.Consolidate(e.ctx, plan.ConsolidationQuery{Year: 2025, Tenants: []string{"p79"}}); none.Total != 0 {
			t.Fatalf("2025 = %+v", none)
		}
	})
}

func TestMergeStep(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		// p72 (old Tây Ninh) has an approved 2025 plan and a 2026 draft; p80 has its own 2026 plan.
		old := e.annual(t, "p72", 2025)
		e.setStatus(t, "p72", old.ID, plan.StatusApproved)
		draft := e.annual(t, "p72", 2026)
		if _, err := e.plans.SetTargets(e.ctx, "p72", draft.ID, nil); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("targets on an annual plan: %v", err)
		}
		p79rates, err := e.budget.ListRates(e.ctx, "p79")
		if err != nil {
			t.Fatal(err)
		}
		r := p79rates[0]
		if _, err := e.budget.CreateRates(e.ctx, "p72", budget.RateInput{Name: "Định mức Tây Ninh", EffectiveFrom: r.EffectiveFrom, Items: r.Items}); err != nil {
			t.Fatal(err)
		}
		dc, err := e.plans.AddClass(e.ctx, "p72", draft.ID, e.class(t, "p72", "TW1-BTX"))
		if err != nil {
			t.Fatal(err)
		}
		own := e.annual(t, "p80", 2026)
		var moved, planned int
		step := plan.MergeStep{}
		err = e.db.ConsolidationTx(e.ctx, []string{"p72", "p80"}, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if planned, err = step.Plan(ctx, tx, "p72", "p80", time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)); err != nil {
				return err
			}
			if moved, err = step.Move(ctx, tx, "p72", "p80", time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)); err != nil {
				return err
			}
			again, err := step.Move(ctx, tx, "p72", "p80", time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC))
			if again != 0 {
				t.Errorf("second move moved %d", again)
			}
			return err
		})
		if err != nil || planned != 1 || moved != 1 {
			t.Fatalf("merge: planned %d moved %d, %v", planned, moved, err)
		}
		if _, err := e.plans.Get(e.ctx, "p72", old.ID); err != nil {
			t.Fatalf("approved plan left the old tenant: %v", err)
		}
		got, err := e.plans.Get(e.ctx, "p80", draft.ID)
		if err != nil || got.MergedFrom != "p72" || got.TenantID != "p80" || len(got.Classes) != 1 ||
			got.Totals.Budget.Amount != dc.Totals.Amount || got.Totals.Budget.Amount == 0 {
			t.Fatalf("moved plan = %+v, %v", got, err)
		}
		if _, err := e.plans.Get(e.ctx, "p72", draft.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("moved plan still readable by p72: %v", err)
		}
		// The moved draft stays editable under its new tenant, beside p80's own plan.
		if _, err := e.plans.AddClass(e.ctx, "p80", draft.ID, e.class(t, "p80", "TW2-CB")); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("class costed without p80 rates must ask for rates: %v", err)
		}
		if _, n, _ := e.plans.List(e.ctx, "p80", plan.ListFilter{Year: 2026}); n != 2 {
			t.Fatalf("p80 has %d plans for 2026, want its own and the moved one (%s)", n, own.ID)
		}
	})
}
