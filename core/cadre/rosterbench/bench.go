package rosterbench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"doanbd/core/benchkit"
	"doanbd/core/cadre"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/xlsx"
	"doanbd/core/sqldb"
)

// Target is one database to measure: the application's connection (under
// row-level security on PostgreSQL) and the owner's (statistics, clean-up).
type Target struct {
	Name  string // "SQLite", "PostgreSQL"
	DB    *sqldb.DB
	Owner *sqldb.DB
}

// noJobs runs nothing: the benchmark calls the import steps itself, so the
// figure is the work, not the queue's polling.
type noJobs struct{}

func (noJobs) Add(context.Context, bun.IDB, string, string, any) error { return nil }

// Workbook writes n synthetic cadres on the template's layout (unit codes,
// title names, dates as dd/mm/yyyy text), streamed: the same records as
// Prepare draws from the same seed.
func Workbook(s *roster.Service, tr Tree, n int, seed uint64) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	header := make([]any, len(xlsx.Columns))
	for i, c := range xlsx.Columns {
		header[i] = c.Header
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	code := map[string]string{}
	for _, us := range [][]cadre.Unit{{tr.Province}, tr.Districts, tr.Communes, tr.Branches} {
		for _, u := range us {
			code[u.ID] = u.Code
		}
	}
	r := rand.New(rand.NewPCG(seed, 7))
	titles := s.Titles()
	for i := 0; i < n; i++ {
		p := Person(r, tr, i)
		plan, since := PlanningFor(r), ""
		if plan != "" {
			plan, since = titles.Name(plan), "01/01/2024"
		}
		row := []any{i + 1, p.FullName, p.BirthDate.VN(), cadre.LabelOf(cadre.Genders, p.Gender), *p.Ethnicity, *p.Religion,
			*p.CCCD, p.Phone, "", code[p.UnitID], titles.Name(p.Title), cadre.LabelOf(cadre.Employments, p.Employment),
			p.PositionSince.VN(), plan, since}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ImportVsBulk measures an n-row Excel import end to end (upload, parse
// with every check, commit in one transaction) against a raw bulk insert of
// the same n cadres, already prepared, in one transaction: goal within 2×.
func ImportVsBulk(ctx context.Context, t Target, s *roster.Service, n int) (_ []benchkit.Row, err error) {
	bench := "roster import · " + t.Name
	const imp, raw = "rb-import", "rb-bulk"
	defer func() { keep(&err, cleanup(ctx, t, imp, raw)) }()
	tr, err := Units(ctx, s, imp, 20, 10, 4)
	if err != nil {
		return nil, err
	}
	book, err := Workbook(s, tr, n, 42)
	if err != nil {
		return nil, fmt.Errorf("build workbook: %w", err)
	}
	rawTree, err := Units(ctx, s, raw, 20, 10, 4)
	if err != nil {
		return nil, err
	}
	// The baseline computes the same stored records (normalised, encrypted)
	// in memory and inserts them in one transaction.
	start := time.Now()
	rows := Prepare(s, rawTree, raw, rand.New(rand.NewPCG(42, 7)), 0, n)
	if err := Insert(ctx, t.DB, raw, rows); err != nil {
		return nil, err
	}
	bulk := time.Since(start)

	im := importer.New(s, noJobs{}, importer.Options{})
	start = time.Now()
	up, err := im.Upload(ctx, imp, "bench.xlsx", book)
	if err != nil {
		return nil, err
	}
	if err := im.Parse(ctx, imp, up.ID); err != nil {
		return nil, err
	}
	parsed := time.Since(start)
	got, err := im.Get(ctx, imp, up.ID)
	if err != nil {
		return nil, err
	}
	if got.Status != importer.StatusParsed || got.ValidRows != n {
		return nil, fmt.Errorf("import parsed %d of %d rows valid (%s %s)", got.ValidRows, n, got.Status, got.Message)
	}
	if _, err := im.Commit(ctx, imp, up.ID, importer.ModeAll); err != nil {
		return nil, err
	}
	if err := im.RunCommit(ctx, imp, up.ID); err != nil {
		return nil, err
	}
	total := time.Since(start)
	if got, err = im.Get(ctx, imp, up.ID); err != nil || got.Inserted != n {
		return nil, fmt.Errorf("import committed %d of %d rows: %v %s", got.Inserted, n, err, got.Message)
	}
	rowsPerS := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	return []benchkit.Row{
		{Benchmark: bench, Figure: fmt.Sprintf("%d-row .xlsx: upload + parse + commit, rows/s", n), Value: rowsPerS(total), Unit: "rows/s",
			Baseline: &benchkit.Baseline{Name: "raw bulk insert of the same records (cadres with encrypted fields, first positions, planning)", Value: rowsPerS(bulk)},
			Goal:     benchkit.Goal{Kind: benchkit.RatioAtLeast, Limit: 0.5},
			Note: fmt.Sprintf("%s: import %.1f s (parse and checks %.1f s, commit %.1f s), raw bulk insert %.1f s; goal: import within 2× of the bulk insert",
				t.Name, total.Seconds(), parsed.Seconds(), (total - parsed).Seconds(), bulk.Seconds())},
	}, nil
}

// cleanup removes the benchmark's tenants' roster rows (the audit log is
// append-only: its few rows stay).
func cleanup(ctx context.Context, t Target, tenants ...string) error {
	for _, tb := range []string{"cadre_import_problems", "cadre_import_rows", "cadre_import_files", "cadre_imports",
		"cadre_planning", "cadre_positions", "cadres", "units"} {
		if _, err := t.Owner.NewDelete().TableExpr(tb).Where("tenant_id IN (?)", bun.In(tenants)).Exec(ctx); err != nil {
			return fmt.Errorf("clean up %s: %w", tb, err)
		}
	}
	return nil
}

// keep returns err, or the clean-up's error when there was none.
func keep(err *error, cerr error) {
	if *err == nil && cerr != nil {
		*err = cerr
	}
}

// ListAndSearch loads n cadres into one tenant and measures a page of 50
// (with its total) under the list's filters, and diacritic-insensitive name
// searches: goals p99 below 50 ms (list) and 100 ms (search).
func ListAndSearch(ctx context.Context, t Target, s *roster.Service, n, iterations int) (_ []benchkit.Row, err error) {
	const tenant = "rb-list"
	defer func() { keep(&err, cleanup(ctx, t, tenant)) }()
	start := time.Now()
	tr, err := Load(ctx, s, tenant, n, 1)
	if err != nil {
		return nil, err
	}
	// Statistics and the visibility map, as autovacuum keeps them in a
	// running system.
	maintain := "ANALYZE"
	if t.Owner.Dialect == sqldb.Postgres {
		maintain = "VACUUM ANALYZE"
	}
	if _, err := t.Owner.ExecContext(ctx, maintain); err != nil {
		return nil, fmt.Errorf("%s: %w", maintain, err)
	}
	load := time.Since(start)
	r := rand.New(rand.NewPCG(3, 3))
	lists := []func() roster.Filter{
		func() roster.Filter { return roster.Filter{} },
		func() roster.Filter { return roster.Filter{UnitID: pickUnit(r, tr.Districts), Subtree: true} },
		func() roster.Filter { return roster.Filter{UnitID: pickUnit(r, tr.Communes)} },
		func() roster.Filter { return roster.Filter{Employment: cadre.FullTime} },
		func() roster.Filter { return roster.Filter{Title: "bi_thu_xa"} },
		func() roster.Filter { return roster.Filter{Planning: roster.PlanningAny} },
		func() roster.Filter {
			return roster.Filter{UnitID: pickUnit(r, tr.Districts), Subtree: true, Employment: cadre.Concurrent}
		},
	}
	queries := []string{"nguyen van an", "tran thi", "le minh duc", "pham", "hoang anh", "huong", "nguyen thi thu trang",
		"dang van", "vu", "bui thi hong", "thanh", "ngo quang", "do thi lan", "minh"}
	measure := func(f func(i int) roster.Filter) ([]time.Duration, error) {
		var ds []time.Duration
		for i := 0; i < iterations+iterations/10; i++ {
			flt := f(i)
			flt.Limit = 50
			if i%4 == 3 {
				flt.Offset = 50 * (1 + r.IntN(10)) // some users page on
			}
			st := time.Now()
			if _, _, err := s.ListCadres(ctx, tenant, flt); err != nil {
				return nil, err
			}
			if i >= iterations/10 { // the first tenth warms the caches
				ds = append(ds, time.Since(st))
			}
		}
		return ds, nil
	}
	listDs, err := measure(func(i int) roster.Filter { return lists[i%len(lists)]() })
	if err != nil {
		return nil, err
	}
	searchDs, err := measure(func(i int) roster.Filter {
		f := roster.Filter{Q: queries[i%len(queries)]}
		if i%3 == 2 {
			f.UnitID, f.Subtree = pickUnit(r, tr.Districts), true
		}
		return f
	})
	if err != nil {
		return nil, err
	}
	bench := fmt.Sprintf("roster at %d cadres · %s", n, t.Name)
	note := fmt.Sprintf("%s: %d cadres in one tenant (loaded in %.0f s); each query returns a page of 50 and the total", t.Name, n, load.Seconds())
	return []benchkit.Row{
		{Benchmark: bench, Figure: "list, page of 50, filtered (unit subtree, unit, employment, title, planning pool): p50", Value: benchkit.Ms(benchkit.Percentile(listDs, 50)), Unit: "ms"},
		{Benchmark: bench, Figure: "list, page of 50, filtered: p99", Value: benchkit.Ms(benchkit.Percentile(listDs, 99)), Unit: "ms",
			Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 50}, Note: note},
		{Benchmark: bench, Figure: "search without diacritics (\"nguyen van an\"), page of 50: p50", Value: benchkit.Ms(benchkit.Percentile(searchDs, 50)), Unit: "ms"},
		{Benchmark: bench, Figure: "search without diacritics, page of 50: p99", Value: benchkit.Ms(benchkit.Percentile(searchDs, 99)), Unit: "ms",
			Goal: benchkit.Goal{Kind: benchkit.Below, Limit: 100}},
	}, nil
}
