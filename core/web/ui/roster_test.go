package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
)

func TestRosterPages(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		rs := cadretest.Service(t, db)
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1", Email: "planner@demo.vn"})
		tree := cadretest.Units(t, rs, "p79")
		other := cadretest.Units(t, rs, "p01")
		in := cadretest.Input("Nguyễn Văn Anh", tree.Commune.ID)
		in.CCCD = cadretest.Str("079095001234")
		anh, err := rs.CreateCadre(ctx, "p79", in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.CreateCadre(ctx, "p79", cadretest.Input("Trần Thị Bình", tree.Commune2.ID)); err != nil {
			t.Fatal(err)
		}
		foreign, err := rs.CreateCadre(ctx, "p01", cadretest.Input("Lê Văn Hà Nội", other.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		ts := newTestServer(t, func(o *Options) { o.Roster = rs })
		sid := ts.login("planner@demo.vn")

		t.Run("list, search without diacritics, filter by unit", func(t *testing.T) {
			body := ts.do(http.MethodGet, "/t/p79/cadres", nil, sid).Body.String()
			for _, want := range []string{"Nguyễn Văn Anh", "Trần Thị Bình", "Đoàn xã Tân Nhựt", "Bí thư"} {
				if !strings.Contains(body, want) {
					t.Errorf("list lacks %q", want)
				}
			}
			if strings.Contains(body, "Hà Nội") {
				t.Error("the list shows another tenant's cadre")
			}
			body = ts.do(http.MethodGet, "/t/p79/cadres?q=van+anh", nil, sid).Body.String()
			if !strings.Contains(body, "Nguyễn Văn Anh") || strings.Contains(body, "Trần Thị Bình") {
				t.Error("search 'van anh' did not find exactly Nguyễn Văn Anh")
			}
			body = ts.do(http.MethodGet, "/t/p79/cadres?unit="+tree.District.ID, nil, sid).Body.String()
			if !strings.Contains(body, "Nguyễn Văn Anh") || strings.Contains(body, "Trần Thị Bình") {
				t.Error("the unit filter does not keep the district's subtree")
			}
			// The unit filter lists units above chi đoàn, the chosen one
			// selected; its search does too, with "all" as the empty choice.
			if !strings.Contains(body, `<option value="`+tree.District.ID+`" selected>`) || strings.Contains(body, "Chi đoàn ấp 1</option>") {
				t.Error("the unit filter's options")
			}
			opts := ts.do(http.MethodGet, "/t/p79/units/options?filter=1&unit_q=tan+nhut&unit="+tree.Commune.ID, nil, sid).Body.String()
			if !strings.Contains(opts, "Tất cả") || !strings.Contains(opts, `<option value="`+tree.Commune.ID+`" selected>Đoàn xã Tân Nhựt`) {
				t.Errorf("unit filter search: %s", opts)
			}
			if opts := ts.do(http.MethodGet, "/t/p79/units/options?filter=1&unit_q=ap+1", nil, sid).Body.String(); strings.Contains(opts, "Chi đoàn") {
				t.Errorf("the unit filter offers a chi đoàn: %s", opts)
			}
			w := ts.do(http.MethodGet, "/t/p79/cadres?employment=bogus", nil, sid)
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="f-employment-err"`) {
				t.Errorf("a bad filter: %d", w.Code)
			}
		})

		t.Run("another tenant's cadre is the same 404 as a missing one", func(t *testing.T) {
			a := ts.do(http.MethodGet, "/t/p79/cadres/"+foreign.ID, nil, sid)
			b := ts.do(http.MethodGet, "/t/p79/cadres/khongco", nil, sid)
			ab, bb := a.Body.String(), b.Body.String()
			if a.Code != http.StatusNotFound || b.Code != http.StatusNotFound || ab != bb {
				t.Fatalf("foreign %d, missing %d\n%s\n----\n%s", a.Code, b.Code, ab, bb)
			}
		})

		t.Run("detail with positions; sensitive data on request", func(t *testing.T) {
			body := ts.do(http.MethodGet, "/t/p79/cadres/"+anh.ID, nil, sid).Body.String()
			if !strings.Contains(body, "Nguyễn Văn Anh") || !strings.Contains(body, "Bổ nhiệm") || strings.Contains(body, "079095001234") {
				t.Fatalf("detail page: %s", body)
			}
			w := ts.do(http.MethodGet, "/t/p79/cadres/"+anh.ID+"/sensitive", nil, sid)
			if !strings.Contains(w.Body.String(), "079095001234") || w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("sensitive page: %d", w.Code)
			}
		})

		t.Run("create: errors next to fields, typed values kept", func(t *testing.T) {
			form := url.Values{"full_name": {"Phạm Thu Trang"}, "birth_date": {"31/02/1999"}, "gender": {"nu"},
				"unit_id": {tree.Commune.ID}, "title": {"bi_thu_xa"}, "employment": {"chuyen_trach"}, "phone": {"0912345678"}}
			w := ts.do(http.MethodPost, "/t/p79/cadres", form, sid)
			body := w.Body.String()
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-birth_date-err"`) ||
				!strings.Contains(body, `value="Phạm Thu Trang"`) || !strings.Contains(body, `value="0912345678"`) {
				t.Fatalf("%d %s", w.Code, body)
			}
			form.Set("birth_date", "28/02/1999")
			form.Set("phone", "12345")
			w = ts.do(http.MethodPost, "/t/p79/cadres", form, sid)
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="f-phone-err"`) {
				t.Fatalf("a bad phone from the service: %d", w.Code)
			}
			form.Set("phone", "0912345678")
			w = ts.do(http.MethodPost, "/t/p79/cadres", form, sid)
			loc := w.Header().Get("Location")
			if w.Code != http.StatusSeeOther || !regexp.MustCompile(`^/t/p79/cadres/[A-Za-z0-9_-]+$`).MatchString(loc) {
				t.Fatalf("%d %q %s", w.Code, loc, w.Body)
			}
			if body := ts.do(http.MethodGet, loc, nil, sid).Body.String(); !strings.Contains(body, "Phạm Thu Trang") {
				t.Fatal("the new cadre's page does not show her")
			}
		})

		t.Run("edit keeps sensitive data left empty", func(t *testing.T) {
			w := ts.do(http.MethodGet, "/t/p79/cadres/"+anh.ID+"/edit", nil, sid)
			if !strings.Contains(w.Body.String(), `value="15/03/1995"`) {
				t.Fatalf("edit form not filled: %d", w.Code)
			}
			form := url.Values{"full_name": {"Nguyễn Văn Anh"}, "birth_date": {"15/03/1995"}, "gender": {"nam"},
				"unit_id": {tree.Commune.ID}, "title": {"bi_thu_xa"}, "employment": {"chuyen_trach"}, "email": {"anh@example.vn"}}
			if w := ts.do(http.MethodPost, "/t/p79/cadres/"+anh.ID, form, sid); w.Code != http.StatusSeeOther {
				t.Fatalf("update: %d %s", w.Code, w.Body)
			}
			s, err := rs.ReadSensitive(ctx, "p79", anh.ID)
			if err != nil || s.CCCD != "079095001234" {
				t.Fatalf("CCCD after an edit that left it empty: %q %v", s.CCCD, err)
			}
			got, err := rs.GetCadre(ctx, "p79", anh.ID)
			if err != nil || got.Email != "anh@example.vn" {
				t.Fatalf("email not saved: %+v %v", got, err)
			}
		})

		t.Run("record a move", func(t *testing.T) {
			form := url.Values{"kind": {cadre.Moved}, "unit_id": {tree.Commune2.ID}, "title": {"bi_thu_xa"}, "on": {"01/10/2026"}, "decision": {"12-QĐ/TĐTN"}}
			if w := ts.do(http.MethodPost, "/t/p79/cadres/"+anh.ID+"/positions", form, sid); w.Code != http.StatusSeeOther {
				t.Fatalf("add position: %d %s", w.Code, w.Body)
			}
			body := ts.do(http.MethodGet, "/t/p79/cadres/"+anh.ID, nil, sid).Body.String()
			if !strings.Contains(body, "Điều động") || !strings.Contains(body, "12-QĐ/TĐTN") {
				t.Fatal("the move is not in the history")
			}
			w := ts.do(http.MethodPost, "/t/p79/cadres/"+anh.ID+"/positions", url.Values{"kind": {cadre.Moved}}, sid)
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="f-on-err"`) {
				t.Fatalf("missing date: %d", w.Code)
			}
		})

		t.Run("unit picker options", func(t *testing.T) {
			body := ts.do(http.MethodGet, "/t/p79/units/options?q=tan+nhut&unit_id="+tree.Commune.ID, nil, sid).Body.String()
			if !strings.Contains(body, "Đoàn xã Tân Nhựt") || !strings.Contains(body, "selected") || strings.Contains(body, "<html") {
				t.Fatalf("%s", body)
			}
		})
	})
}

// bigRoster answers like a province of 123,456 cadres: the list's total
// stops at roster.CountCap, the exact count does not.
type bigRoster struct{ *roster.Service }

func (bigRoster) CountCadres(context.Context, string, roster.Filter) (int, error) {
	return 123_456, nil
}

func (b bigRoster) ListCadres(ctx context.Context, tenant string, f roster.Filter) ([]cadre.Cadre, int, error) {
	cs, _, err := b.Service.ListCadres(ctx, tenant, f)
	return cs, roster.CountCap + 1, err
}

// The home page shows the exact roster size; the list says "10.000+" rather
// than a false total.
func TestRosterTotals(t *testing.T) {
	db := cadretest.SQLite(t)
	_, rs := rosterServer(t, db, 3)
	ts := newTestServer(t, func(o *Options) { o.Roster = bigRoster{rs} })
	sid := ts.login("planner@demo.vn")
	if body := ts.do(http.MethodGet, "/t/p79/", nil, sid).Body.String(); !strings.Contains(body, "123.456") {
		t.Errorf("home lacks the exact roster size:\n%s", body)
	}
	body := ts.do(http.MethodGet, "/t/p79/cadres", nil, sid).Body.String()
	if !strings.Contains(body, "trên tổng số 10.000&#43;") || strings.Contains(body, "10.001") {
		t.Errorf("roster list total:\n%s", body)
	}
}
