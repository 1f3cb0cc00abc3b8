package roster_test

import (
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/rosterbench"
)

func names(cs []cadre.Cadre) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.FullName)
	}
	return out
}

func TestSearchSortAndFilters(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		type person struct {
			name, unit, title, emp string
		}
		people := []person{
			{"Nguyễn Văn An", tr.Commune.ID, "bi_thu_xa", cadre.FullTime},
			{"Nguyễn Văn Anh", tr.ChiDoan.ID, "bi_thu_chi_doan", cadre.Concurrent},
			{"Trần Minh Tuấn", tr.Commune2.ID, "pho_bi_thu_xa", cadre.PartTime},
			{"Đặng Thị Đào", tr.Commune.ID, "pho_bi_thu_xa", cadre.FullTime},
			{"Lê Thị Ánh", tr.District.ID, "bi_thu_huyen", cadre.FullTime},
			{"Đỗ Minh Ăn", tr.Commune2.ID, "", cadre.Concurrent},
			{"Vũ Thị Ân", tr.ChiDoan.ID, "bi_thu_chi_doan", cadre.Concurrent},
			{"Phạm Dũng", tr.Commune2.ID, "bi_thu_xa", cadre.FullTime},
		}
		ids := map[string]string{}
		for _, p := range people {
			in := cadretest.Input(p.name, p.unit)
			in.Title, in.Employment = p.title, p.emp
			c, err := s.CreateCadre(ctx, tenant, in)
			if err != nil {
				t.Fatal(err)
			}
			ids[p.name] = c.ID
		}
		// Someone in another tenant with a matching name stays invisible.
		tr2 := cadretest.Units(t, s, "p01")
		if _, err := s.CreateCadre(ctx, "p01", cadretest.Input("Nguyễn Văn An", tr2.Commune.ID)); err != nil {
			t.Fatal(err)
		}
		list := func(f roster.Filter) []string {
			t.Helper()
			cs, total, err := s.ListCadres(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			if f.Limit == 0 && total != len(cs) {
				t.Fatalf("total %d for %d rows", total, len(cs))
			}
			return names(cs)
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"nguyen van an", []string{"Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{"NGUYEN VAN AN", []string{"Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{norm.NFD.String("Nguyễn Văn Anh"), []string{"Nguyễn Văn Anh"}},
			{"van an", []string{"Nguyễn Văn An", "Nguyễn Văn Anh"}},
			{"dao", []string{"Đặng Thị Đào"}},
			{"Đang thi", []string{"Đặng Thị Đào"}},
			{"dung", []string{"Phạm Dũng"}},
			{"an", []string{"Nguyễn Văn An", "Nguyễn Văn Anh", "Lê Thị Ánh", "Đỗ Minh Ăn", "Vũ Thị Ân"}},
			{"tuan", []string{"Trần Minh Tuấn"}},
			{"uan", []string{}},
			{"an nguyen", []string{}},
			{"  ", []string{"Nguyễn Văn An", "Nguyễn Văn Anh", "Lê Thị Ánh", "Đỗ Minh Ăn", "Vũ Thị Ân", "Phạm Dũng", "Đặng Thị Đào", "Trần Minh Tuấn"}}, // d before đ
			{"100%_", []string{}},
		} {
			if got := list(roster.Filter{Q: tc.q}); !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %q, want %q", tc.q, got, tc.want)
			}
		}
		// Paging keeps the Vietnamese order.
		page, total, err := s.ListCadres(ctx, tenant, roster.Filter{Limit: 3, Offset: 3})
		if err != nil || total != 8 || !slices.Equal(names(page), []string{"Đỗ Minh Ăn", "Vũ Thị Ân", "Phạm Dũng"}) {
			t.Errorf("page = %q, total %d, %v", names(page), total, err)
		}
		for _, tc := range []struct {
			name string
			f    roster.Filter
			want []string
		}{
			{"unit", roster.Filter{UnitID: tr.Commune.ID}, []string{"Nguyễn Văn An", "Đặng Thị Đào"}},
			{"subtree", roster.Filter{UnitID: tr.District.ID, Subtree: true}, []string{"Nguyễn Văn An", "Nguyễn Văn Anh", "Lê Thị Ánh", "Vũ Thị Ân", "Đặng Thị Đào"}},
			{"title", roster.Filter{Title: "bi_thu_chi_doan"}, []string{"Nguyễn Văn Anh", "Vũ Thị Ân"}},
			{"employment", roster.Filter{Employment: cadre.PartTime}, []string{"Trần Minh Tuấn"}},
			{"search in subtree", roster.Filter{Q: "nguyen", UnitID: tr.Commune.ID, Subtree: true}, []string{"Nguyễn Văn An", "Nguyễn Văn Anh"}},
		} {
			if got := list(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
			}
		}
		// Planning pool.
		if _, err := s.AddPlanning(ctx, tenant, ids["Nguyễn Văn An"], roster.PlanningInput{Title: "bi_thu_tinh", Since: cadre.NewDate(2024, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		pl, err := s.AddPlanning(ctx, tenant, ids["Phạm Dũng"], roster.PlanningInput{Title: "bi_thu_xa", Since: cadre.NewDate(2024, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AddPlanning(ctx, tenant, ids["Phạm Dũng"], roster.PlanningInput{Title: "bi_thu_xa", Since: cadre.NewDate(2024, 2, 1)})
		wantCode(t, err, core.ECONFLICT)
		_, err = s.AddPlanning(ctx, tenant, ids["Phạm Dũng"], roster.PlanningInput{Title: "uy_vien_btv_tinh", Since: cadre.NewDate(2024, 2, 1)})
		wantField(t, err, "title", "")
		if got := list(roster.Filter{Planning: roster.PlanningAny}); !slices.Equal(got, []string{"Nguyễn Văn An", "Phạm Dũng"}) {
			t.Errorf("planning any = %q", got)
		}
		if got := list(roster.Filter{Planning: "bi_thu_tinh"}); !slices.Equal(got, []string{"Nguyễn Văn An"}) {
			t.Errorf("planning bi_thu_tinh = %q", got)
		}
		if _, err := s.EndPlanning(ctx, tenant, ids["Phạm Dũng"], pl.ID, cadre.NewDate(2025, 1, 1)); err != nil {
			t.Fatal(err)
		}
		if got := list(roster.Filter{Planning: "bi_thu_xa"}); len(got) != 0 {
			t.Errorf("ended planning still listed: %q", got)
		}
		// Bad filter codes are refused with field details.
		_, _, err = s.ListCadres(ctx, tenant, roster.Filter{Employment: "x", Status: "y"})
		wantField(t, err, "employment", "")
		wantField(t, err, "status", "")
		// Export iteration sees every row in order, in batches.
		var all []string
		if err := s.EachCadre(ctx, tenant, roster.Filter{}, func(c cadre.Cadre) error { all = append(all, c.FullName); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(all, list(roster.Filter{})) {
			t.Errorf("EachCadre = %q", all)
		}
	})
}

func TestPositionsAndLeaving(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		in := cadretest.Input("Bùi Quang Ba", tr.Commune.ID)
		in.PositionSince = cadre.NewDate(2022, 5, 1)
		in.CCCD = cadretest.Str("079095000001")
		c, err := s.CreateCadre(ctx, tenant, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPlanning(ctx, tenant, c.ID, roster.PlanningInput{Title: "bi_thu_huyen", Since: cadre.NewDate(2023, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		// A move through update is recorded as history.
		in.UnitID, in.Title = tr.Commune2.ID, "pho_bi_thu_xa"
		if _, err := s.UpdateCadre(ctx, tenant, c.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPosition(ctx, tenant, c.ID, roster.PositionInput{Kind: cadre.Appointed, Title: "bi_thu_xa",
			On: cadre.NewDate(2024, 6, 1), Decision: "Số 12-QĐ/TĐTN"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPosition(ctx, tenant, c.ID, roster.PositionInput{Kind: cadre.LeftPost, On: cadre.NewDate(2025, 7, 1)}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetCadre(ctx, tenant, c.ID)
		if got.Status != cadre.Left || got.LeftOn != cadre.NewDate(2025, 7, 1) {
			t.Errorf("after leaving: %+v", got)
		}
		ps, err := s.Positions(ctx, tenant, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, p := range ps {
			kinds = append(kinds, p.Kind)
			if p.Kind != cadre.LeftPost && p.EndedOn.IsZero() {
				t.Errorf("position %s still open after leaving", p.Kind)
			}
		}
		if !slices.Equal(kinds, []string{cadre.Appointed, cadre.Moved, cadre.Appointed, cadre.LeftPost}) {
			t.Errorf("history = %v", kinds)
		}
		if ps[2].UnitID != tr.Commune2.ID || ps[2].Decision != "Số 12-QĐ/TĐTN" {
			t.Errorf("appointment kept the unit: %+v", ps[2])
		}
		pls, _ := s.Planning(ctx, tenant, c.ID)
		if len(pls) != 1 || pls[0].Until != cadre.NewDate(2025, 7, 1) {
			t.Errorf("planning not ended on leaving: %+v", pls)
		}
		// A cadre who left is read-only until re-appointed; listed under "left".
		_, err = s.UpdateCadre(ctx, tenant, c.ID, in)
		wantCode(t, err, core.ECONFLICT)
		if cs, _, _ := s.ListCadres(ctx, tenant, roster.Filter{Status: cadre.Left}); len(cs) != 1 {
			t.Errorf("left list = %d", len(cs))
		}
		// Their CCCD is free for a new active record only once they left.
		if _, err := s.AddPosition(ctx, tenant, c.ID, roster.PositionInput{Kind: cadre.Appointed, UnitID: tr.Commune.ID, On: cadre.NewDate(2026, 1, 5)}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCadre(ctx, tenant, c.ID); got.Status != cadre.Active || got.UnitID != tr.Commune.ID {
			t.Errorf("re-appointed: %+v", got)
		}
		_, err = s.AddPosition(ctx, tenant, c.ID, roster.PositionInput{Kind: "promoted", On: cadre.NewDate(2026, 1, 5)})
		wantField(t, err, "kind", "")
		// Delete: a mistaken record goes with its history, audited.
		if err := s.DeleteCadre(ctx, tenant, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Positions(ctx, tenant, c.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("positions of a deleted cadre: %v", err)
		}
		if auditCount(t, db, "cadre.delete") != 1 {
			t.Error("delete not audited")
		}
	})
}

// TestSearchStrategies: a page found by walking the sort order and one
// found through the search index are the same rows; totals stop at the cap.
func TestSearchStrategies(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		givens := []string{"An", "Bình", "Cường", "Dũng", "Đức", "Hà", "Lan", "Minh"}
		for i := 0; i < 40; i++ {
			family := "Nguyễn"
			if i%3 == 0 {
				family = "Trần"
			}
			if _, err := s.CreateCadre(ctx, tenant, cadretest.Input(family+" Văn "+givens[i%len(givens)], tr.Commune.ID)); err != nil {
				t.Fatal(err)
			}
		}
		all, total, err := s.ListCadres(ctx, tenant, roster.Filter{Q: "nguyen van"})
		if err != nil || total != len(all) || total != 26 {
			t.Fatalf("all matches: %d (total %d), %v", len(all), total, err)
		}
		for _, off := range []int{0, 5, 20, 25} {
			page, total, err := s.ListCadres(ctx, tenant, roster.Filter{Q: "nguyen van", Limit: 5, Offset: off})
			if err != nil || total != 26 {
				t.Fatalf("page at %d: total %d, %v", off, total, err)
			}
			want := all[off:min(off+5, len(all))]
			if !slices.Equal(names(page), names(want)) {
				t.Errorf("page at %d = %q, want %q", off, names(page), names(want))
			}
		}
		if n, err := s.CountCadres(ctx, tenant, roster.Filter{Q: "tran"}); err != nil || n != 14 {
			t.Errorf("exact count = %d, %v", n, err)
		}
	})
}

func TestOddFilterValues(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		cadretest.Units(t, s, tenant)
		for _, f := range []roster.Filter{{Q: "an", UnitID: `x" OR "y`}, {Q: `"*' OR 1=1 --`}, {Q: "nguyễn", UnitID: "nope"}} {
			if cs, n, err := s.ListCadres(ctx, tenant, f); err != nil || n != 0 || len(cs) != 0 {
				t.Errorf("%+v: %d %d %v", f, len(cs), n, err)
			}
		}
	})
}

// TestLargeSelections: on a roster big enough that pages of a unit subtree
// or the planning pool are found by walking the sort order, they are the
// same rows as the full ordered selection; so are pages walked by force
// (the pools here are smaller than the size from which they are walked).
func TestLargeSelections(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr, err := rosterbench.Load(ctx, s, tenant, 6000, 9)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []roster.Filter{
			{UnitID: tr.Province.ID, Subtree: true},
			{UnitID: tr.Districts[0].ID, Subtree: true},
			{Planning: roster.PlanningAny},
			{Q: "nguyen thi", UnitID: tr.Districts[1].ID, Subtree: true},
			roster.ForceWalk(roster.Filter{Planning: roster.PlanningAny}),
			roster.ForceWalk(roster.Filter{Planning: "bi_thu_xa", Employment: cadre.FullTime}),
			roster.ForceWalk(roster.Filter{Planning: "bi_thu_huyen", UnitID: tr.Districts[0].ID, Subtree: true}),
			roster.ForceWalk(roster.Filter{UnitID: tr.Districts[1].ID, Subtree: true}),
		} {
			var all []string
			if err := s.EachCadre(ctx, tenant, f, func(c cadre.Cadre) error { all = append(all, c.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			for _, off := range []int{0, 50, 1000} {
				g := f
				g.Limit, g.Offset = 50, off
				page, total, err := s.ListCadres(ctx, tenant, g)
				if err != nil {
					t.Fatal(err)
				}
				if total != min(len(all), roster.CountCap+1) {
					t.Errorf("%+v: total %d, selection %d", f, total, len(all))
				}
				want := all[min(off, len(all)):min(off+50, len(all))]
				var got []string
				for _, c := range page {
					got = append(got, c.ID)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%+v at %d: page differs from the ordered selection", f, off)
				}
			}
		}
	})
}
