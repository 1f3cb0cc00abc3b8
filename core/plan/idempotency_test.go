package plan_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/web"
)

// The shared Idempotency-Key store (core/web/idempotency.go, table
// idempotency_keys) on both dialects: claims, replays, releases, stale
// takeovers, and keys scoped to tenant and caller.
func TestIdempotencyStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := web.NewIdemTable(func(ctx context.Context, tenant string, fn func(context.Context, bun.Tx) error) error {
			return db.TenantTx(ctx, tenant, sqldb.TxFunc(fn))
		})
		k := web.IdemKey{Tenant: "p79", User: "u1", Key: "k"}
		if saved, err := st.Claim(ctx, k, "fp"); err != nil || saved != nil {
			t.Fatalf("first claim = %v, %v", saved, err)
		}
		if _, err := st.Claim(ctx, k, "fp"); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("claim while in flight: %v", err)
		}
		// The same key of another caller or tenant is another key.
		for _, other := range []web.IdemKey{{Tenant: "p79", User: "u2", Key: "k"}, {Tenant: "p01", User: "u1", Key: "k"}} {
			if saved, err := st.Claim(ctx, other, "fp"); err != nil || saved != nil {
				t.Fatalf("claim %+v = %v, %v", other, saved, err)
			}
		}
		if err := st.Complete(ctx, k, web.SavedResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		saved, err := st.Claim(ctx, k, "fp")
		if err != nil || saved == nil || saved.Status != 201 || string(saved.Body) != `{"id":"x"}` {
			t.Fatalf("replay = %+v, %v", saved, err)
		}
		if _, err := st.Claim(ctx, k, "other"); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("key reused for another request: %v", err)
		}
		// A released claim can be retried; a stale one is taken over.
		r := web.IdemKey{Tenant: "p79", User: "u1", Key: "released"}
		if _, err := st.Claim(ctx, r, "fp"); err != nil {
			t.Fatal(err)
		}
		if err := st.Release(ctx, r); err != nil {
			t.Fatal(err)
		}
		if saved, err := st.Claim(ctx, r, "fp"); err != nil || saved != nil {
			t.Fatalf("claim after release = %v, %v", saved, err)
		}
		st.Stale = 0
		if saved, err := st.Claim(ctx, r, "fp"); err != nil || saved != nil {
			t.Fatalf("stale takeover = %v, %v", saved, err)
		}
	})
}
