package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"

	"doanbd/configs"
	"doanbd/core/benchkit"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/rosterbench"
	"doanbd/core/cadre/seal"
	"doanbd/core/sqldb"
)

// The roster benchmarks (core/cadre/rosterbench), on PostgreSQL and SQLite:
// a 100,000-row Excel import end to end against a raw bulk insert of the
// same records (goal within 2×), and a page of 50 with its total, filtered
// and searched without diacritics, on 500,000 cadres in one tenant (goals
// p99 under 50 ms and 100 ms).

func (e *benchEnv) rosterSizes() (importRows, cadres, iterations int) {
	if e.quick {
		return 1000, 5000, 40
	}
	return 100_000, 500_000, 300
}

func (e *benchEnv) benchRoster(ctx context.Context) ([]benchkit.Row, error) {
	var rows []benchkit.Row
	importRows, cadres, iterations := e.rosterSizes()
	for _, name := range []string{"PostgreSQL", "SQLite"} {
		t, s, done, err := e.rosterTarget(ctx, name)
		if err != nil {
			done()
			rows = append(rows, benchkit.Row{Benchmark: "roster · " + name, Figure: "import, list and search", Skipped: err.Error()})
			continue
		}
		got, err := rosterbench.ImportVsBulk(ctx, t, s, importRows)
		if err != nil {
			got = []benchkit.Row{{Benchmark: "roster import · " + name, Figure: "import vs bulk insert", Skipped: err.Error()}}
		}
		rows = append(rows, got...)
		got, err = rosterbench.ListAndSearch(ctx, t, s, cadres, iterations)
		if err != nil {
			got = []benchkit.Row{{Benchmark: "roster list · " + name, Figure: "list and search", Skipped: err.Error()}}
		}
		rows = append(rows, got...)
		done()
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	return rows, nil
}

// rosterTarget opens a migrated database of the named dialect and a roster
// service over it with a throwaway key. done closes what was opened; call
// it whether or not there was an error.
func (e *benchEnv) rosterTarget(ctx context.Context, name string) (rosterbench.Target, *roster.Service, func(), error) {
	var t rosterbench.Target
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	open := func(o sqldb.Options) (*sqldb.DB, error) {
		db, err := sqldb.Open(ctx, o)
		if err == nil {
			closers = append(closers, func() { _ = db.Close() })
		}
		return db, err
	}
	if name == "PostgreSQL" {
		pg, err := e.postgres(ctx)
		if err != nil {
			return t, nil, done, err
		}
		if t.Owner, err = open(sqldb.Options{URL: pg.OwnerURL, MaxConns: 4}); err != nil {
			return t, nil, done, err
		}
		if t.DB, err = open(sqldb.Options{URL: pg.AppURL, MaxConns: 8}); err != nil {
			return t, nil, done, err
		}
	} else {
		dir, err := e.scratch("roster")
		if err != nil {
			return t, nil, done, err
		}
		if t.DB, err = open(sqldb.Options{Path: filepath.Join(dir, "doanbd.db")}); err != nil {
			return t, nil, done, err
		}
		t.Owner = t.DB
	}
	t.Name = name
	if _, err := t.Owner.Migrate(ctx); err != nil {
		return t, nil, done, fmt.Errorf("migrate: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return t, nil, done, err
	}
	sl, err := seal.New(key)
	if err != nil {
		return t, nil, done, err
	}
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		return t, nil, done, err
	}
	titles, err := cadre.LoadTitles(src)
	if err != nil {
		return t, nil, done, err
	}
	return t, roster.New(t.DB, sl, titles, rosterAudit{}), done, nil
}
