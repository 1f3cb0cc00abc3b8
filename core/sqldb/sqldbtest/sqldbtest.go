// Package sqldbtest opens migrated test databases on both dialects.
package sqldbtest

import (
	"context"
	"path/filepath"
	"testing"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

// Dialects are the dialects every store test runs on.
var Dialects = []string{sqldb.SQLite, sqldb.Postgres}

// Pair is a freshly migrated database seen two ways: DB as the application
// connects (doanbd_app under row-level security on PostgreSQL), Owner as the
// owner who migrated it, for tests that inspect or tamper with every
// tenant's rows. On SQLite both are the same connection.
type Pair struct {
	*sqldb.DB
	Owner *sqldb.DB
}

// OpenPair migrates a fresh database of the dialect and returns both
// connections, closed on cleanup.
func OpenPair(tb testing.TB, dialect string) Pair {
	tb.Helper()
	ctx := context.Background()
	open := func(o sqldb.Options) *sqldb.DB {
		db, err := sqldb.Open(ctx, o)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = db.Close() })
		return db
	}
	if dialect == sqldb.Postgres {
		pg := testenv.Postgres(tb)
		owner := open(sqldb.Options{URL: pg.OwnerURL, MaxConns: 4})
		if _, err := owner.Migrate(ctx); err != nil {
			tb.Fatal(err)
		}
		return Pair{DB: open(sqldb.Options{URL: pg.AppURL, MaxConns: 8}), Owner: owner}
	}
	db := open(sqldb.Options{Path: filepath.Join(tb.TempDir(), "doanbd.db")})
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return Pair{DB: db, Owner: db}
}

// Open returns a freshly migrated database of the dialect as the
// application connects (row-level security applies on PostgreSQL, as in
// production). Closed on cleanup.
func Open(tb testing.TB, dialect string) *sqldb.DB {
	tb.Helper()
	return OpenPair(tb, dialect).DB
}

// Each runs fn as a subtest on every dialect.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	EachPair(t, func(t *testing.T, p Pair) { fn(t, p.DB) })
}

// EachPair runs fn as a subtest on every dialect, with both connections.
func EachPair(t *testing.T, fn func(t *testing.T, db Pair)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, OpenPair(t, d)) })
	}
}
