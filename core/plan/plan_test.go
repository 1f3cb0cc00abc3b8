package plan_test

import (
	"context"

	"github.com/uptrace/bun"

	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

func TestPlanClassesLinesAndTotals(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p79", 2026)
		if p.Status != plan.StatusDraft || p.Version != 1 || p.Title != "Kế hoạch bồi dưỡng cán bộ Đoàn năm 2026" {
			t.Fatalf("new plan = %+v", p)
		}
		// Commune secretaries (TW1-BTX, 24 h = 6 sessions), 40 learners, 3 days, hired hall.
		c1, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW1-BTX"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{ // p79's rates from 2026-01-01 (configs/seed/rates.yaml)
			budget.ItemLecturerPay: 6 * 1_200_000, budget.ItemTravel: 40 * 250_000, budget.ItemLodging: 40 * 3 * 450_000,
			budget.ItemVenue: 3 * 7_000_000, budget.ItemDocuments: 40 * 120_000, budget.ItemCertificates: 40 * 30_000,
			budget.ItemClassManagement: 2_500_000,
		}
		if len(c1.Lines) != len(want) {
			t.Fatalf("lines = %+v", c1.Lines)
		}
		for _, l := range c1.Lines {
			if l.ComputedAmount != want[l.Item] || l.Amount != want[l.Item] || l.FundingSource != budget.SourceLocal {
				t.Errorf("%s = %d (%s), want %d local", l.Item, l.Amount, l.FundingSource, want[l.Item])
			}
		}
		if c1.Totals.Amount != 100_700_000 || c1.Seq != 1 || c1.ProgramGroup != "TW1" || c1.BudgetSource != "rates" {
			t.Fatalf("class 1 = seq %d group %s source %s total %d", c1.Seq, c1.ProgramGroup, c1.BudgetSource, c1.Totals.Amount)
		}
		// Digital transformation with a field trip, own hall, centrally funded.
		in := e.class(t, "p79", "TW4-CDS")
		in.Learners, in.StartDate, in.EndDate = 30, d("2026-06-10"), d("2026-06-12")
		in.Format, in.VenueKind, in.LecturerRank, in.FundingSource = budget.FormatFieldTrip, core.VenueInternal, "hang2", budget.SourceCentral
		c2, err := e.plans.AddClass(e.ctx, "p79", p.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Totals.Amount != 119_200_000 || c2.Totals.BySource[budget.SourceCentral] != 119_200_000 || c2.Seq != 2 {
			t.Fatalf("class 2 totals = %+v", c2.Totals)
		}
		v, err := e.plans.Get(e.ctx, "p79", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Classes) != 2 || v.Totals.Classes != 2 || v.Totals.Learners != 70 || v.Totals.Budget.Amount != 219_900_000 ||
			v.Totals.Budget.BySource[budget.SourceLocal] != 100_700_000 || v.Totals.Budget.BySource[budget.SourceCentral] != 119_200_000 ||
			v.Totals.ByGroup["TW4"].Amount != 119_200_000 || v.Rollup.Budget.Amount != 219_900_000 {
			t.Fatalf("plan totals = %+v", v.Totals)
		}
		if v.AvailableActions == nil || len(v.AvailableActions) != 0 {
			t.Fatalf("available actions = %v", v.AvailableActions)
		}
		// Update a class: lines follow; delete one: totals follow.
		in.Learners = 20
		up, err := e.plans.UpdateClass(e.ctx, "p79", p.ID, c2.ID, in)
		if err != nil || up.Totals.Amount != 119_200_000-10*(250_000+3*450_000+120_000+1_800_000+30_000) {
			t.Fatalf("updated class = %+v, %v", up.Totals, err)
		}
		if err := e.plans.DeleteClass(e.ctx, "p79", p.ID, c1.ID); err != nil {
			t.Fatal(err)
		}
		list, total, err := e.plans.List(e.ctx, "p79", plan.ListFilter{Year: 2026})
		if err != nil || total != 1 || list[0].Classes != 1 || list[0].Budget.Amount != up.Totals.Amount {
			t.Fatalf("list = %+v (%d), %v", list, total, err)
		}
		// Another tenant sees nothing of it.
		if _, err := e.plans.Get(e.ctx, "p01", p.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 reads p79's plan: %v", err)
		}
		if _, err := e.plans.AddClass(e.ctx, "p01", p.ID, e.class(t, "p01", "TW1-BTX")); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 adds a class to p79's plan: %v", err)
		}
		if _, n, _ := e.plans.List(e.ctx, "p01", plan.ListFilter{}); n != 0 {
			t.Fatalf("p01 lists %d plans", n)
		}
		if _, err := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindAnnual, Year: 2026}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("second 2026 plan: %v", err)
		}
	})
}

func TestOverrideWithReason(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p79", 2026)
		c, err := e.plans.AddClass(e.ctx, "p79", p.ID, e.class(t, "p79", "TW1-BTX"))
		if err != nil {
			t.Fatal(err)
		}
		venue := c.Lines[3]
		if venue.Item != budget.ItemVenue {
			t.Fatalf("line 4 = %s", venue.Item)
		}
		_, err = e.plans.OverrideLine(e.ctx, "p79", p.ID, venue.ID, 15_000_000, "  ")
		if core.ErrorCode(err) != core.EINVALID || fields(err)["reason"] == "" {
			t.Fatalf("override without reason: %v", err)
		}
		if _, err := e.plans.OverrideLine(e.ctx, "p79", p.ID, venue.ID, -1, "x"); fields(err)["amount"] == "" {
			t.Fatalf("negative override: %v", err)
		}
		l, err := e.plans.OverrideLine(e.ctx, "p79", p.ID, venue.ID, 15_000_000, "Hội trường được giảm giá")
		if err != nil || l.Amount != 15_000_000 || l.ComputedAmount != 21_000_000 || *l.OverrideAmount != 15_000_000 ||
			l.OverriddenBy != "u-planner" || l.OverrideReason != "Hội trường được giảm giá" {
			t.Fatalf("override = %+v, %v", l, err)
		}
		// Recomputing keeps the planner's figure.
		rc, err := e.plans.Recompute(e.ctx, "p79", p.ID, c.ID)
		if err != nil || rc.Totals.Amount != 100_700_000-6_000_000 || rc.Totals.Computed != 100_700_000 {
			t.Fatalf("recompute = %+v, %v", rc.Totals, err)
		}
		v, _ := e.plans.Get(e.ctx, "p79", p.ID)
		if v.Totals.Budget.Amount != 94_700_000 || v.Totals.Budget.Computed != 100_700_000 {
			t.Fatalf("plan totals after override = %+v", v.Totals.Budget)
		}
		line := v.Classes[0].Lines[3]
		back, err := e.plans.ClearOverride(e.ctx, "p79", p.ID, line.ID)
		if err != nil || back.Amount != 21_000_000 || back.OverrideAmount != nil || back.OverrideReason != "" {
			t.Fatalf("clear override = %+v, %v", back, err)
		}
		if _, err := e.plans.OverrideLine(e.ctx, "p01", p.ID, line.ID, 1, "x"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 overrides p79's line: %v", err)
		}
	})
}

func TestClassValidation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p79", 2026)
		draft, err := e.programs.CreateVariant(e.ctx, "p79", e.program(t, "p79", "TW3-TC").ID, program.VariantInput{})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			edit func(in *plan.ClassInput)
			want map[string]string // field → part of the message
		}{
			{"dates outside the year and learners", func(in *plan.ClassInput) {
				in.StartDate, in.EndDate, in.Learners = d("2025-12-30"), d("2027-01-02"), 0
			}, map[string]string{
				"start_date": "phải nằm trong năm kế hoạch 2026", "end_date": "phải nằm trong năm kế hoạch 2026",
				"learners": "Số học viên dự kiến phải lớn hơn 0"}},
			{"end before start", func(in *plan.ClassInput) { in.EndDate = d("2026-03-01") },
				map[string]string{"end_date": "không được trước ngày khai giảng"}},
			{"format, venue, funding", func(in *plan.ClassInput) { in.Format, in.VenueKind, in.FundingSource = "hybrid", "home", "tw" },
				map[string]string{"format": "in_person", "venue_kind": "internal", "funding_source": "central"}},
			{"audience outside the programme", func(in *plan.ClassInput) {
				in.TargetGroup = &program.Audience{Levels: []string{"co_so", "chi_doan"}, Employment: []string{"kiem_nhiem"}, PlanningPool: true}
			}, map[string]string{
				"target_group.levels[1]":     "Cấp chi đoàn không thuộc đối tượng của chương trình TW1-BTX",
				"target_group.employment[0]": "", // TW1-BTX admits concurrent cadres: no error
			}},
			{"unknown programme", func(in *plan.ClassInput) { in.ProgramID = "nope" },
				map[string]string{"program_id": "Không tìm thấy chương trình"}},
			{"draft variant", func(in *plan.ClassInput) { in.ProgramID = draft.ID },
				map[string]string{"program_id": "chưa được ban hành"}},
			{"plugin programme without a plugin", func(in *plan.ClassInput) {
				in.ProgramID, in.ProgramSource, in.ProgramCode = "", "plugin:localprograms", "X"
			},
				map[string]string{"program_id": "Không tìm thấy"}},
		}
		for _, tc := range tests {
			in := e.class(t, "p79", "TW1-BTX")
			tc.edit(&in)
			_, err := e.plans.AddClass(e.ctx, "p79", p.ID, in)
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got := fields(err)
			for f, msg := range tc.want {
				if msg == "" {
					if _, bad := got[f]; bad {
						t.Errorf("%s: unexpected error on %s: %s", tc.name, f, got[f])
					}
					continue
				}
				if !strings.Contains(got[f], msg) {
					t.Errorf("%s: %s = %q, want %q (all: %v)", tc.name, f, got[f], msg, got)
				}
			}
		}
		v, _ := e.plans.Get(e.ctx, "p79", p.ID)
		if len(v.Classes) != 0 {
			t.Fatalf("invalid classes were saved: %d", len(v.Classes))
		}
		// A period plan takes no classes.
		pp, err := e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: plan.KindPeriod})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.plans.AddClass(e.ctx, "p79", pp.ID, e.class(t, "p79", "TW1-BTX")); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("class in a period plan: %v", err)
		}
		_, err = e.plans.Create(e.ctx, "p79", plan.CreateInput{Kind: "weekly"})
		if fields(err)["kind"] == "" {
			t.Fatalf("bad kind: %v", err)
		}
	})
}

func TestRatesMissing(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p44", 2026) // no rate tables
		_, err := e.plans.AddClass(e.ctx, "p44", p.ID, e.class(t, "p44", "TW1-BTX"))
		got := fields(err)
		if core.ErrorCode(err) != core.EINVALID || got["rates.lecturer_pay"] != "Chưa có định mức chi hiệu lực ngày 05/03/2026 cho khoản Thù lao giảng viên" ||
			got["rates.venue"] == "" || len(got) != 7 {
			t.Fatalf("missing rates: %v %v", err, got)
		}
		// p79's table lacks a rank the class asks for.
		p79 := e.annual(t, "p79", 2026)
		in := e.class(t, "p79", "TW1-BTX")
		in.LecturerRank = "hang9"
		if _, err := e.plans.AddClass(e.ctx, "p79", p79.ID, in); !strings.Contains(fields(err)["rates.lecturer_pay"], "(hạng hang9)") {
			t.Fatalf("unknown rank: %v", fields(err))
		}
	})
}

func TestValidateForSubmit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		p := e.annual(t, "p01", 2026)
		check := func() error {
			var err error
			_ = e.db.TenantTx(e.ctx, "p01", func(ctx context.Context, tx bun.Tx) error {
				err = e.plans.ValidateForSubmit(ctx, tx, "p01", p.ID)
				return nil
			})
			return err
		}
		if err := check(); fields(err)["classes"] == "" {
			t.Fatalf("empty plan submittable: %v", err)
		}
		if _, err := e.plans.AddClass(e.ctx, "p01", p.ID, e.class(t, "p01", "TW2-CB")); err != nil {
			t.Fatal(err)
		}
		if err := check(); err != nil {
			t.Fatalf("plan with a costed class: %v", err)
		}
	})
}
