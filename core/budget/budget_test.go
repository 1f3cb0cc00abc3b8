package budget_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func d(s string) budget.Date {
	v, err := budget.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// table is a small rate table: lecturer pay in two ranks and every other item.
func table() *budget.RateTable {
	return &budget.RateTable{ID: "rt1", EffectiveFrom: d("2026-01-01"), Items: []budget.RateItem{
		{Item: budget.ItemLecturerPay, Rank: "hang2", Unit: budget.UnitSession, Amount: 1_500_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemLecturerPay, Rank: "hang4", Unit: budget.UnitSession, Amount: 500_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemTravel, Unit: budget.UnitLearner, Amount: 200_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemLodging, Unit: budget.UnitLearnerDay, Amount: 400_000, FundingSource: budget.SourceOther},
		{Item: budget.ItemVenue, Unit: budget.UnitDay, Amount: 6_000_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemDocuments, Unit: budget.UnitLearner, Amount: 100_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemFieldTrip, Unit: budget.UnitLearner, Amount: 1_500_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemCertificates, Unit: budget.UnitLearner, Amount: 25_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemClassManagement, Unit: budget.UnitClass, Amount: 2_000_000, FundingSource: budget.SourceLocal},
	}}
}

func TestComputeFormula(t *testing.T) {
	base := budget.ClassSpec{Learners: 50, Start: d("2026-03-05"), End: d("2026-03-07"), Hours: 26,
		Format: budget.FormatInPerson, VenueKind: core.VenueExternal, LecturerRank: "hang2"}
	tests := []struct {
		name  string
		edit  func(c *budget.ClassSpec)
		want  map[string]int64 // item → amount
		total int64
	}{
		{"in person, external venue", func(*budget.ClassSpec) {}, map[string]int64{
			budget.ItemLecturerPay:     7 * 1_500_000, // 26 h → 7 sessions
			budget.ItemTravel:          50 * 200_000,
			budget.ItemLodging:         50 * 3 * 400_000,
			budget.ItemVenue:           3 * 6_000_000,
			budget.ItemDocuments:       50 * 100_000,
			budget.ItemCertificates:    50 * 25_000,
			budget.ItemClassManagement: 2_000_000,
		}, 0},
		{"online: no travel, lodging or venue", func(c *budget.ClassSpec) { c.Format = budget.FormatOnline }, map[string]int64{
			budget.ItemLecturerPay: 7 * 1_500_000, budget.ItemDocuments: 50 * 100_000,
			budget.ItemCertificates: 50 * 25_000, budget.ItemClassManagement: 2_000_000,
		}, 0},
		{"internal venue, field trip, rank hang4", func(c *budget.ClassSpec) {
			c.VenueKind, c.Format, c.LecturerRank = core.VenueInternal, budget.FormatFieldTrip, "hang4"
		}, map[string]int64{
			budget.ItemLecturerPay: 7 * 500_000, budget.ItemTravel: 50 * 200_000, budget.ItemLodging: 50 * 3 * 400_000,
			budget.ItemDocuments: 50 * 100_000, budget.ItemFieldTrip: 50 * 1_500_000,
			budget.ItemCertificates: 50 * 25_000, budget.ItemClassManagement: 2_000_000,
		}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			lines, errs := budget.Compute(c, table())
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := map[string]int64{}
			for _, l := range lines {
				got[l.Item] = l.ComputedAmount
				if l.ComputedAmount != l.Quantity*l.UnitAmount || l.Source != "rates:rt1" {
					t.Errorf("%s: %d × %d ≠ %d (%s)", l.Item, l.Quantity, l.UnitAmount, l.ComputedAmount, l.Source)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("items = %v, want %v", got, tc.want)
			}
			for item, amt := range tc.want {
				if got[item] != amt {
					t.Errorf("%s = %d, want %d", item, got[item], amt)
				}
			}
			tot := budget.Sum(lines)
			if tot.BySource[budget.SourceOther] != got[budget.ItemLodging] || tot.BySource[budget.SourceCentral] != 0 {
				t.Errorf("by source = %v", tot.BySource)
			}
		})
	}
	// The class's own funding source wins over the rates' defaults.
	c := base
	c.FundingSource = budget.SourceCentral
	lines, _ := budget.Compute(c, table())
	if tot := budget.Sum(lines); tot.BySource[budget.SourceCentral] != tot.Amount || tot.Amount == 0 {
		t.Errorf("class funding source ignored: %v", tot)
	}
}

func TestComputeMissingRates(t *testing.T) {
	c := budget.ClassSpec{Learners: 10, Start: d("2026-03-05"), End: d("2026-03-05"), Hours: 8,
		Format: budget.FormatOnline, LecturerRank: "hang1"}
	_, errs := budget.Compute(c, nil)
	if len(errs) != 4 || errs[0].Message != "Chưa có định mức chi hiệu lực ngày 05/03/2026 cho khoản Thù lao giảng viên" ||
		errs[0].Field != "rates.lecturer_pay" {
		t.Fatalf("no table: %+v", errs)
	}
	_, errs = budget.Compute(c, table())
	if len(errs) != 1 || errs[0].Message != "Chưa có định mức chi hiệu lực ngày 05/03/2026 cho khoản Thù lao giảng viên (hạng hang1)" {
		t.Fatalf("unknown rank: %+v", errs)
	}
	c.LecturerRank = ""
	_, errs = budget.Compute(c, table())
	if len(errs) != 1 || errs[0].Field != "lecturer_rank" {
		t.Fatalf("ambiguous rank: %+v", errs)
	}
}

func rateInput(from, to string, lecturer int64) budget.RateInput {
	return budget.RateInput{Name: "Định mức " + from, EffectiveFrom: d(from), EffectiveTo: d(to), Items: []budget.RateItem{
		{Item: budget.ItemLecturerPay, Unit: budget.UnitSession, Amount: lecturer, FundingSource: budget.SourceLocal},
		{Item: budget.ItemDocuments, Unit: budget.UnitLearner, Amount: 100_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemCertificates, Unit: budget.UnitLearner, Amount: 20_000, FundingSource: budget.SourceLocal},
		{Item: budget.ItemClassManagement, Unit: budget.UnitClass, Amount: 1_000_000, FundingSource: budget.SourceLocal},
	}}
}

func TestRateTablesInForce(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := budget.NewService(db, budget.Options{})
		old, err := svc.CreateRates(ctx, "p79", rateInput("2023-01-01", "2025-12-31", 400_000))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateRates(ctx, "p79", rateInput("2026-01-01", "", 600_000)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateRates(ctx, "p79", rateInput("2026-01-01", "", 1)); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("second table from the same day: %v", err)
		}
		spec := budget.ClassSpec{Learners: 10, Hours: 8, Format: budget.FormatOnline}
		for _, tc := range []struct {
			day  string
			want int64 // lecturer pay of 2 sessions
		}{{"2024-06-01", 800_000}, {"2025-12-31", 800_000}, {"2026-01-01", 1_200_000}, {"2027-05-01", 1_200_000}} {
			spec.Start, spec.End = d(tc.day), d(tc.day)
			var lines []budget.Line
			err := db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
				var err error
				lines, _, err = svc.CostClass(ctx, tx, "p79", spec)
				return err
			})
			if err != nil || lines[0].ComputedAmount != tc.want {
				t.Fatalf("%s: %+v, %v", tc.day, lines, err)
			}
		}
		// Before any table: every applicable item is named.
		spec.Start, spec.End = d("2022-12-31"), d("2022-12-31")
		err = db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
			_, _, err := svc.CostClass(ctx, tx, "p79", spec)
			return err
		})
		if core.ErrorCode(err) != core.EINVALID || len(core.ErrorFields(err)) != 4 ||
			core.ErrorFields(err)[0].Message != "Chưa có định mức chi hiệu lực ngày 31/12/2022 cho khoản Thù lao giảng viên" {
			t.Fatalf("no rates: %v %+v", err, core.ErrorFields(err))
		}
		// Tenants do not see each other's tables.
		if _, err := svc.GetRates(ctx, "p01", old.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 reads p79's rates: %v", err)
		}
		if ts, _ := svc.ListRates(ctx, "p01"); len(ts) != 0 {
			t.Fatalf("p01 lists %d tables", len(ts))
		}
		// Update and delete.
		in := rateInput("2023-01-01", "2025-12-31", 450_000)
		up, err := svc.UpdateRates(ctx, "p79", old.ID, in)
		if err != nil || up.Items[0].Amount != 450_000 || len(up.Items) != 4 {
			t.Fatalf("update = %+v, %v", up, err)
		}
		if err := svc.DeleteRates(ctx, "p01", old.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("p01 deletes p79's table: %v", err)
		}
		if err := svc.DeleteRates(ctx, "p79", old.ID); err != nil {
			t.Fatal(err)
		}
		if ts, _ := svc.ListRates(ctx, "p79"); len(ts) != 1 {
			t.Fatalf("after delete: %d tables", len(ts))
		}
	})
}

func TestRateValidation(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := budget.NewService(db, budget.Options{})
		in := budget.RateInput{EffectiveFrom: d("2026-02-01"), EffectiveTo: d("2026-01-01"), Items: []budget.RateItem{
			{Item: "an_trua", Unit: "per_week", Amount: -1, FundingSource: "tw"},
			{Item: budget.ItemTravel, Rank: "hang1", Unit: budget.UnitLearner, FundingSource: budget.SourceLocal},
			{Item: budget.ItemTravel, Rank: "hang1", Unit: budget.UnitLearner, FundingSource: budget.SourceLocal},
		}}
		_, err := svc.CreateRates(context.Background(), "p01", in)
		got := map[string]bool{}
		for _, f := range core.ErrorFields(err) {
			got[f.Field] = true
		}
		for _, f := range []string{"name", "effective_to", "items[0].item", "items[0].unit", "items[0].amount",
			"items[0].funding_source", "items[1].rank", "items[2]"} {
			if !got[f] {
				t.Errorf("no error on %s: %+v", f, core.ErrorFields(err))
			}
		}
	})
}

func TestSeedRates(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		src, err := configs.FS.ReadFile("seed/rates.yaml")
		if err != nil {
			t.Fatal(err)
		}
		svc := budget.NewService(db, budget.Options{})
		res, err := svc.SeedRates(ctx, src)
		if err != nil || res.Created != 5 {
			t.Fatalf("seed = %+v, %v", res, err)
		}
		if res, err = svc.SeedRates(ctx, src); err != nil || res.Unchanged != 5 {
			t.Fatalf("seed again = %+v, %v", res, err)
		}
		for tenant, n := range map[string]int{"tw": 1, "p79": 2, "p01": 1, "bqp": 1, "bca": 0} {
			ts, err := svc.ListRates(ctx, tenant)
			if err != nil || len(ts) != n {
				t.Fatalf("%s has %d tables, want %d (%v)", tenant, len(ts), n, err)
			}
			for _, rt := range ts {
				if !rt.Example || len(rt.Items) < 10 {
					t.Errorf("%s %s: example=%v items=%d", tenant, rt.Name, rt.Example, len(rt.Items))
				}
			}
		}
		// A tenant that edits its table makes it its own: seeding keeps it.
		ts, _ := svc.ListRates(ctx, "p01")
		in := budget.RateInput{Name: "Định mức của Hà Nội", EffectiveFrom: ts[0].EffectiveFrom, Items: ts[0].Items}
		if _, err := svc.UpdateRates(ctx, "p01", ts[0].ID, in); err != nil {
			t.Fatal(err)
		}
		if res, err = svc.SeedRates(ctx, src); err != nil || res.Kept != 1 || res.Unchanged != 4 {
			t.Fatalf("seed after edit = %+v, %v", res, err)
		}
	})
}

// fakeNorms is a CostNorms host: it either computes one line or fails.
type fakeNorms struct{ fail bool }

func (f fakeNorms) ClassCosts(_ context.Context, tenant string, r core.CostRequest) ([]core.CostLine, bool, error) {
	if f.fail {
		return nil, false, &core.Error{Code: core.EUNAVAILABLE, Message: "Plugin costnorms không phản hồi", Err: errors.New("deadline")}
	}
	return []core.CostLine{{Item: "per_diem", Description: "Phụ cấp tiền ăn theo Nghị quyết HĐND", Quantity: int64(r.Learners * r.Days),
		Unit: "người/ngày", UnitAmount: 150_000, Amount: int64(r.Learners*r.Days) * 150_000, FundingSource: "local"}}, true, nil
}

func TestCostNormsAndFallback(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if _, err := budget.NewService(db, budget.Options{}).CreateRates(ctx, "p79", rateInput("2026-01-01", "", 500_000)); err != nil {
			t.Fatal(err)
		}
		spec := budget.ClassSpec{Learners: 20, Start: d("2026-04-01"), End: d("2026-04-02"), Hours: 16, Format: budget.FormatOnline}
		cost := func(svc *budget.Service) ([]budget.Line, string) {
			var lines []budget.Line
			var note string
			err := db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
				var err error
				lines, note, err = svc.CostClass(ctx, tx, "p79", spec)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return lines, note
		}
		lines, note := cost(budget.NewService(db, budget.Options{Norms: fakeNorms{}}))
		if note != "" || len(lines) != 1 || lines[0].Source != budget.SourceNorms || lines[0].ComputedAmount != 40*150_000 {
			t.Fatalf("plugin lines = %+v, note %q", lines, note)
		}
		lines, note = cost(budget.NewService(db, budget.Options{Norms: fakeNorms{fail: true}}))
		if len(lines) != 4 || lines[0].Source[:6] != "rates:" || note != "Plugin costnorms không phản hồi" { // the plugin host's message, once
			t.Fatalf("fallback lines = %+v, note %q", lines, note)
		}
	})
}

func TestDate(t *testing.T) {
	a := d("2026-03-05")
	if a.DaysTo(d("2026-03-07")) != 3 || a.VN() != "05/03/2026" || a.String() != "2026-03-05" {
		t.Fatal(a)
	}
	var b budget.Date
	if err := b.Scan(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); err != nil || !b.Equal(a) {
		t.Fatal(b, err)
	}
	if err := b.Scan("2026-03-05 00:00:00+00:00"); err != nil || !b.Equal(a) {
		t.Fatal(b, err)
	}
	if v, _ := (budget.Date{}).Value(); v != nil {
		t.Fatal("zero date must be NULL")
	}
}
