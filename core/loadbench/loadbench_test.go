package loadbench_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/cadre/api"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/loadbench"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
	"doanbd/core/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// roster fills p79 with cadres in two units, some in the planning pool.
func fill(t *testing.T, db cadretest.DB) (*roster.Service, cadretest.Tree) {
	t.Helper()
	s := cadretest.Service(t, db)
	tr := cadretest.Units(t, s, "p79")
	ctx := cadretest.Ctx(t)
	names := []string{"Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Đức", "Phạm Ngọc Ánh", "Hoàng Văn Ân", "Đỗ Thị Hà"}
	for i := 0; i < 60; i++ {
		unit := tr.Commune.ID
		if i%3 == 0 {
			unit = tr.ChiDoan.ID
		}
		in := cadretest.Input(fmt.Sprintf("%s %d", names[i%len(names)], i), unit)
		if i%2 == 0 {
			in.Employment = cadre.Concurrent
		}
		if i%4 == 0 {
			in.CCCD = cadretest.Str(fmt.Sprintf("0790950%05d", i))
		}
		c, err := s.CreateCadre(ctx, "p79", in)
		if err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if _, err := s.AddPlanning(ctx, "p79", c.ID, roster.PlanningInput{Title: "bi_thu_xa", Since: cadre.NewDate(2024, 1, 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s, tr
}

// TestPlainMatchesRoster: the baseline answers what the roster API answers
// for the same filter and page, byte for byte.
func TestPlainMatchesRoster(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		s, tr := fill(t, db)
		srv := httptest.NewServer(loadbench.PlainHandler(db.Owner.Read.DB, db.Dialect == sqldb.Postgres))
		defer srv.Close()
		for _, tc := range []struct {
			query  url.Values
			filter roster.Filter
		}{
			{url.Values{}, roster.Filter{}},
			{url.Values{"offset": {"50"}}, roster.Filter{Offset: 50}},
			{url.Values{"employment": {"kiem_nhiem"}}, roster.Filter{Employment: "kiem_nhiem"}},
			{url.Values{"unit": {tr.District.ID}, "subtree": {"true"}, "limit": {"20"}}, roster.Filter{UnitID: tr.District.ID, Subtree: true, Limit: 20}},
			{url.Values{"unit": {tr.ChiDoan.ID}}, roster.Filter{UnitID: tr.ChiDoan.ID}},
			{url.Values{"title": {"bi_thu_xa"}, "planning": {"any"}}, roster.Filter{Title: "bi_thu_xa", Planning: roster.PlanningAny}},
			{url.Values{"planning": {"bi_thu_xa"}, "employment": {"chuyen_trach"}}, roster.Filter{Planning: "bi_thu_xa", Employment: "chuyen_trach"}},
		} {
			if tc.filter.Limit == 0 {
				tc.filter.Limit = 50
			}
			items, total, err := s.ListCadres(cadretest.Ctx(t), "p79", tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(api.CadreList{List: web.NewList(items, min(total, roster.CountCap),
				web.Page{Limit: tc.filter.Limit, Offset: tc.filter.Offset}), TotalCapped: total > roster.CountCap})
			tc.query.Set("tenant", "p79")
			resp, err := http.Get(srv.URL + "/cadres?" + tc.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(got) != string(want) {
				t.Fatalf("%v: plain answered %d\n%s\nroster answers\n%s", tc.query, resp.StatusCode, got, want)
			}
		}
	})
}

func TestCountCapIsTheRosters(t *testing.T) {
	if loadbench.CountCap != roster.CountCap {
		t.Fatalf("the baseline counts up to %d, the roster up to %d", loadbench.CountCap, roster.CountCap)
	}
}

func TestRun(t *testing.T) {
	db := cadretest.SQLite(t)
	fill(t, db)
	srv := httptest.NewServer(loadbench.PlainHandler(db.Read.DB, false))
	defer srv.Close()
	urls := []string{srv.URL + "/cadres?tenant=p79", srv.URL + "/cadres?tenant=p79&employment=kiem_nhiem&offset=10"}
	// Closed loop without warm-up: each client's first request is due at the
	// start, so at least one per client is counted however slow the server.
	res, err := loadbench.Run(cadretest.Ctx(t), urls, loadbench.Options{Clients: 8, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 8 || res.Errors != 0 || res.P50 <= 0 || res.P99 < res.P50 || res.Throughput <= 0 {
		t.Fatalf("result %+v", res)
	}
	// Open loop: every request due in the window is sent and followed to
	// its answer, however the server keeps up.
	paced, err := loadbench.Run(cadretest.Ctx(t), urls, loadbench.Options{Clients: 4, Rate: 200, Warmup: 50 * time.Millisecond,
		Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if paced.Requests != 100 || paced.Errors != 0 || paced.P99 < paced.P50 {
		t.Fatalf("paced at 200/s for 0.5 s: %+v", paced)
	}
	both := loadbench.Merge(res, paced)
	if both.Requests != res.Requests+paced.Requests || both.Elapsed != res.Elapsed+paced.Elapsed ||
		both.P99 < both.P50 || both.P99 < min(res.P99, paced.P99) {
		t.Fatalf("merged %+v from %+v and %+v", both, res, paced)
	}
	// Failures are counted, not timed.
	bad, err := loadbench.Run(cadretest.Ctx(t), []string{srv.URL + "/nothing"}, loadbench.Options{Clients: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Requests != 0 || bad.Errors == 0 || bad.FirstError == "" {
		t.Fatalf("result against a missing route: %+v", bad)
	}
}
