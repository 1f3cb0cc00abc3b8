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

// Open returns a freshly migrated database of the dialect. On PostgreSQL it
// migrates as the owner and returns a connection as doanbd_app, so row-level
// security applies as in production. Closed on cleanup.
func Open(tb testing.TB, dialect string) *sqldb.DB {
	tb.Helper()
	ctx := context.Background()
	var o sqldb.Options
	if dialect == sqldb.Postgres {
		pg := testenv.Postgres(tb)
		owner, err := sqldb.Open(ctx, sqldb.Options{URL: pg.OwnerURL})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := owner.Migrate(ctx); err != nil {
			tb.Fatal(err)
		}
		if err := owner.Close(); err != nil {
			tb.Fatal(err)
		}
		o.URL = pg.AppURL
	} else {
		o.Path = filepath.Join(tb.TempDir(), "test.db")
	}
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if dialect == sqldb.SQLite {
		if _, err := db.Migrate(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// Each runs fn as a subtest on every dialect.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}
