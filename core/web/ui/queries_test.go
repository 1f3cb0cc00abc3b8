package ui

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
)

// queryCounter counts the statements a database runs.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q *queryCounter) AfterQuery(_ context.Context, _ *bun.QueryEvent) { q.n.Add(1) }

func (q *queryCounter) attach(db cadretest.DB) {
	db.DB.DB.AddQueryHook(q)
	if db.Read != db.DB.DB {
		db.Read.AddQueryHook(q)
	}
}

// rosterServer is a test server over a roster with n cadres in p79.
func rosterServer(tb testing.TB, db cadretest.DB, n int) (*testServer, *roster.Service) {
	tb.Helper()
	rs := cadretest.Service(tb, db)
	tree := cadretest.Units(tb, rs, "p79")
	ctx := core.WithPrincipal(cadretest.Ctx(tb), core.Principal{UserID: "u1"})
	units := []string{tree.Commune.ID, tree.Commune2.ID, tree.ChiDoan.ID}
	for i := 0; i < n; i++ {
		if _, err := rs.CreateCadre(ctx, "p79", cadretest.Input(fmt.Sprintf("Cán Bộ Số %d", i), units[i%len(units)])); err != nil {
			tb.Fatal(err)
		}
	}
	return benchServer(tb, rs), rs
}

func benchServer(tb testing.TB, rs *roster.Service) *testServer {
	return newTestServer(tb, func(o *Options) { o.Roster = rs })
}

// The roster list and a cadre's page run a fixed number of statements
// whatever the page holds: no query per row (N+1).
func TestRosterPagesQueryCount(t *testing.T) {
	count := func(n int, path func(rs *roster.Service) string) int64 {
		db := cadretest.SQLite(t)
		ts, rs := rosterServer(t, db, n)
		sid := ts.login("planner@demo.vn")
		target := path(rs)
		var q queryCounter
		q.attach(db)
		if w := ts.do(http.MethodGet, target, nil, sid); w.Code != http.StatusOK {
			t.Fatalf("%s: %d", target, w.Code)
		}
		return q.n.Load()
	}
	list := func(*roster.Service) string { return "/t/p79/cadres" }
	few, many := count(3, list), count(45, list)
	if few == 0 || few != many {
		t.Errorf("roster list: %d statements for 3 rows, %d for 45", few, many)
	}
}

// BenchmarkRosterListPage measures the server time of the roster list (a
// page of 50 with the unit index) over a roster of 2,000 cadres on SQLite,
// and reports the 99th percentile.
func BenchmarkRosterListPage(b *testing.B) {
	db := cadretest.SQLite(b)
	rs := cadretest.Service(b, db)
	tree := cadretest.Units(b, rs, "p79")
	ctx := core.WithPrincipal(cadretest.Ctx(b), core.Principal{UserID: "u1"})
	for i := 0; i < 2000; i++ {
		if _, err := rs.CreateCadre(ctx, "p79", cadretest.Input(fmt.Sprintf("Cán Bộ Số %d", i), tree.Commune.ID)); err != nil {
			b.Fatal(err)
		}
	}
	ts := benchServer(b, rs)
	sid := ts.login("planner@demo.vn")
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if w := ts.do(http.MethodGet, "/t/p79/cadres?offset=1000", nil, sid); w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
}
