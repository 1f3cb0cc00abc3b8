package sqldb_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// Queries run with a counted context are counted, on every pool and in
// transactions (BEGIN and COMMIT are round trips too); others are not.
func TestQueryCount(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx, q := sqldb.WithQueryCount(testCtx(t))
			var n int
			if err := db.Read.NewSelect().ColumnExpr("1").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			if got := q.Queries(); got != 1 {
				t.Fatalf("after one read: %d", got)
			}
			if err := db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
				return q.NewSelect().ColumnExpr("1").Scan(ctx, &n)
			}); err != nil {
				t.Fatal(err)
			}
			want := int64(2) // SQLite: one more read on the reader pool
			if b.name == sqldb.Postgres {
				want = 4 // BEGIN with set_config, the read, COMMIT
			}
			if got := q.Queries(); got != want {
				t.Fatalf("after a tenant read: %d, want %d", got, want)
			}
			// A write transaction on PostgreSQL begins and sets its tenant in
			// one round trip too (begin.go).
			if err := db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
				return tx.NewSelect().ColumnExpr("1").Scan(ctx, &n)
			}); err != nil {
				t.Fatal(err)
			}
			want += 3 // BEGIN (with set_config on PostgreSQL), the read, COMMIT
			if got := q.Queries(); got != want {
				t.Fatalf("after a tenant transaction: %d, want %d", got, want)
			}
			if q.Wait() <= 0 {
				t.Errorf("wait %v", q.Wait())
			}
			if err := db.Read.NewSelect().ColumnExpr("1").Scan(testCtx(t), &n); err != nil {
				t.Fatal(err)
			}
			if got := q.Queries(); got != want {
				t.Fatalf("an uncounted query was counted: %d", got)
			}
			if _, ok := sqldb.QueryCountFrom(testCtx(t)); ok {
				t.Error("a plain context has a counter")
			}
		})
	}
}
