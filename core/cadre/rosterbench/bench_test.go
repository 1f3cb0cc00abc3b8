package rosterbench_test

import (
	"testing"

	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/rosterbench"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBenchmarksRun runs both benchmarks at a small size on each dialect:
// they must complete and report every figure (the figures themselves are
// for `doanbd bench`, never asserted).
func TestBenchmarksRun(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tg := rosterbench.Target{Name: t.Name(), DB: db.DB, Owner: db.Owner}
		rows, err := rosterbench.ImportVsBulk(ctx, tg, s, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Baseline == nil || rows[0].Value <= 0 {
			t.Errorf("import rows = %+v", rows)
		}
		rows, err = rosterbench.ListAndSearch(ctx, tg, s, 3000, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Errorf("list rows = %+v", rows)
		}
		var n int
		if err := db.Owner.QueryRowContext(ctx, "SELECT count(*) FROM cadres").Scan(&n); err != nil || n != 0 {
			t.Errorf("benchmarks left %d cadres behind (%v)", n, err)
		}
	})
}
