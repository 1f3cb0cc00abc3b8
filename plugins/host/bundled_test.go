package host

import (
	"slices"
	"testing"
	"time"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// bcaPlan has one class in a hired hotel hall with a nominee from p79, and
// one compliant class.
func bcaPlan() core.PlanForRules {
	return core.PlanForRules{Year: 2027, Classes: []core.ClassForRules{
		{ID: "c1", ProgramCode: "TW3-TC-BCA", Learners: 40, Start: day("2027-03-01"), End: day("2027-03-03"),
			Place: "Khách sạn Kim Liên, Hà Nội", VenueKind: core.VenueExternal, Format: "in_person",
			Nominees: []core.NomineeForRules{
				{CadreID: "k1", Name: "Trần Văn Bình", BirthDate: day("1994-05-02"), Title: "bi_thu_chi_doan", UnitTenant: "bca"},
				{CadreID: "k2", Name: "Lê Thị Hoa", BirthDate: day("1996-11-20"), Title: "bi_thu_chi_doan", UnitTenant: "p79"},
			}},
		{ID: "c2", ProgramCode: "TW2-CB", Learners: 60, Start: day("2027-05-10"), End: day("2027-05-12"),
			Place: "Trường Đại học An ninh nhân dân", VenueKind: core.VenueInternal, Format: "in_person",
			Nominees: []core.NomineeForRules{{CadreID: "k3", Name: "Phạm Minh Đức", UnitTenant: "bca"}}},
	}}
}

// TestBundledEndToEnd runs the three bundled plugins as real processes
// through the host, with enablement and settings in the database.
func TestBundledEndToEnd(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		root := t.TempDir()
		installBundled(t, root)
		st := NewDBStore(db)
		h := newHost(t, root, st, nil, nil)
		must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "localprograms", Enabled: true, Settings: map[string]string{"file": "examples/p79.yaml"}}))
		must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "costnorms", Enabled: true, Settings: map[string]string{"table": "examples/p79.yaml"}}))
		must(t, st.Put(ctx, "bca", TenantPlugin{Plugin: "bca-rules", Enabled: true}))

		t.Run("catalogue", func(t *testing.T) {
			ps, stale, err := h.LocalPrograms(ctx, "p79")
			if err != nil || stale {
				t.Fatalf("LocalPrograms = stale %v, err %v", stale, err)
			}
			var codes []string
			for _, p := range ps {
				codes = append(codes, p.Code)
				if p.Source != "localprograms" || len(p.Modules) == 0 {
					t.Errorf("programme %s: source %q, %d modules", p.Code, p.Source, len(p.Modules))
				}
			}
			if want := []string{"P79-KCN", "P79-DT", "P79-BD", "P79-SX"}; !slices.Equal(codes, want) {
				t.Fatalf("codes = %v, want %v", codes, want)
			}
			if ps, _, _ := h.LocalPrograms(ctx, "bca"); len(ps) != 0 {
				t.Errorf("bca has %d local programmes, want none", len(ps))
			}
			h.bg.Wait()
			cached, ok, err := st.LoadCatalog(ctx, "p79", "localprograms")
			if err != nil || !ok || len(cached) != 4 {
				t.Fatalf("cache: %d programmes, ok %v, err %v", len(cached), ok, err)
			}
			// The file goes missing: the last good list is served, marked stale.
			must(t, st.Put(ctx, "p79", TenantPlugin{Plugin: "localprograms", Enabled: true, Settings: map[string]string{"file": "examples/gone.yaml"}}))
			ps, stale, err = h.LocalPrograms(ctx, "p79")
			if err != nil || !stale || len(ps) != 4 {
				t.Fatalf("after failure: %d programmes, stale %v, err %v", len(ps), stale, err)
			}
		})

		t.Run("rules", func(t *testing.T) {
			vs, err := h.CheckPlan(ctx, "bca", bcaPlan())
			if err != nil {
				t.Fatal(err)
			}
			type key struct{ class, field string }
			var got []key
			for _, v := range vs {
				got = append(got, key{v.ClassID, v.Field})
				if v.Severity != core.SeverityError || v.Plugin != "bca-rules" || v.Message == "" {
					t.Errorf("violation %+v", v)
				}
			}
			if want := []key{{"c1", "venue_kind"}, {"c1", "nominees[1]"}}; !slices.Equal(got, want) {
				t.Fatalf("violations at %v, want %v", got, want)
			}
			// p79 has no rules plugin: nothing to check, nothing blocked.
			if vs, err := h.CheckPlan(ctx, "p79", bcaPlan()); err != nil || len(vs) != 0 {
				t.Fatalf("p79: %v, %v", vs, err)
			}
		})

		t.Run("costs", func(t *testing.T) {
			req := core.CostRequest{Date: day("2026-03-10"), ClassID: "c1", ProgramCode: "P79-KCN", Learners: 40, Days: 3,
				LecturerRank: "cap_vu", Format: "in_person", FieldTrip: true, Settings: map[string]string{"table": "not/this.yaml"}}
			lines, used, err := h.ClassCosts(ctx, "p79", req)
			if err != nil || !used {
				t.Fatalf("ClassCosts: used %v, err %v", used, err)
			}
			amounts := map[string]int64{}
			for _, l := range lines {
				amounts[l.Item] = l.Amount
			}
			want := map[string]int64{"lecturer": 6 * 1_300_000, "per_diem": 120 * 180_000, "venue": 3 * 6_000_000,
				"documents": 40 * 70_000, "field_trip": 40 * 500_000, "certificates": 40 * 25_000, "management": 3 * 600_000}
			if len(amounts) != len(want) {
				t.Fatalf("lines %v, want %v", amounts, want)
			}
			for k, v := range want {
				if amounts[k] != v {
					t.Errorf("%s = %d, want %d", k, amounts[k], v)
				}
			}
			// The norms in force on the class date apply.
			req.Date = day("2025-03-10")
			lines, _, err = h.ClassCosts(ctx, "p79", req)
			if err != nil || lines[0].Item != "lecturer" || lines[0].Amount != 6*1_200_000 {
				t.Fatalf("2025 lecturer line %+v, err %v", lines[0], err)
			}
			// bca has no cost-norms plugin: the caller uses its rate tables, no warning.
			if lines, used, err := h.ClassCosts(ctx, "bca", req); lines != nil || used || err != nil {
				t.Fatalf("bca: %v %v %v", lines, used, err)
			}
		})

		t.Run("list", func(t *testing.T) {
			rows, err := List(ctx, h, st, true)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Row{}
			for _, r := range rows {
				got[r.Name] = r
			}
			for name, tenant := range map[string]string{"bca-rules": "bca", "costnorms": "p79", "localprograms": "p79"} {
				r := got[name]
				if r.Status != StatusOK || !slices.Equal(r.Tenants, []string{tenant}) || r.Version != "1.0.0" {
					t.Errorf("%s: %+v", name, r)
				}
			}
		})
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
