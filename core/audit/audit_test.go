package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/testenv"
	"doanbd/core/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testDB is a migrated database: DB as the application connects, Owner as
// the owner who migrated it.
type testDB = sqldbtest.Pair

func ctxOf(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func forEachDialect(t *testing.T, fn func(t *testing.T, db testDB)) {
	t.Helper()
	sqldbtest.EachPair(t, fn)
}

// appendN appends n entries to tenant's chain, one transaction each.
func appendN(t *testing.T, db testDB, tenant string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := db.TenantTx(ctxOf(t), tenant, func(ctx context.Context, tx bun.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{Tenant: tenant, Action: "cadre.update", Object: "cadre",
				ObjectID: fmt.Sprintf("c%d", i), Detail: map[string]any{"i": i, "field": "phone"}, IP: "203.0.113.7"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, db testDB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(ctxOf(t), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// exec runs a statement as the owner (who may change anything: the
// tampering the chain must reveal).
func exec(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(ctxOf(t), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func rowID(t *testing.T, db testDB, tenant string, seq int) string {
	t.Helper()
	var id string
	if err := db.Owner.QueryRowContext(ctxOf(t), "SELECT id FROM audit_log WHERE tenant_id = ? AND seq = ?", tenant, seq).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestChainAndVerify(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		appendN(t, db, "p01", 3)
		appendN(t, db, "p79", 2)
		pctx := core.WithPrincipal(ctx, core.Principal{UserID: "u7", Email: "bt@p79.vn"})
		if err := db.TenantTx(pctx, audit.Platform, func(ctx context.Context, tx bun.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{Tenant: audit.Platform, Action: "auth.login_failed", Detail: map[string]string{"email": "ghost@example.vn"}})
		}); err != nil {
			t.Fatal(err)
		}
		// An append that rolls back leaves no trace and does not break the chain.
		boom := fmt.Errorf("rolled back")
		if err := db.TenantTx(ctx, "p01", func(ctx context.Context, tx bun.Tx) error {
			if err := audit.Append(ctx, tx, audit.Entry{Tenant: "p01", Action: "cadre.delete"}); err != nil {
				return err
			}
			return boom
		}); err != boom {
			t.Fatalf("rollback: %v", err)
		}
		appendN(t, db, "p01", 1)

		rep := verify(t, db)
		if !rep.OK() || rep.Chains != 3 || rep.Rows != 7 {
			t.Fatalf("verify = %+v (broken %v), want 3 intact chains of 7 rows", rep, rep.Broken)
		}
		s := audit.NewStore(db.DB)
		rows, total, err := s.List(ctx, "p01", audit.Filter{}, web.Page{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if total != 4 || len(rows) != 2 || rows[0].Seq != 4 || rows[1].Seq != 3 || rows[1].PrevHash == "" || rows[0].PrevHash != rows[1].Hash {
			t.Fatalf("list p01: total %d, rows %+v", total, rows)
		}
		if rows[0].IP != "203.0.113.7" || string(rows[0].Detail) != `{"field":"phone","i":0}` {
			t.Errorf("row fields: ip %q detail %s", rows[0].IP, rows[0].Detail)
		}
		plat, _, err := s.List(ctx, audit.Platform, audit.Filter{Action: "auth.login_failed"}, web.Page{Limit: 10})
		if err != nil || len(plat) != 1 || plat[0].ActorID != "u7" || plat[0].ActorEmail != "bt@p79.vn" || plat[0].Seq != 1 || plat[0].PrevHash != "" {
			t.Fatalf("platform chain: %+v, %v", plat, err)
		}
		if _, n, _ := s.List(ctx, "p01", audit.Filter{ObjectID: "c1"}, web.Page{Limit: 10}); n != 1 {
			t.Errorf("filter by object id: %d rows", n)
		}
		if _, n, _ := s.List(ctx, "p01", audit.Filter{From: time.Now().Add(time.Hour)}, web.Page{Limit: 10}); n != 0 {
			t.Errorf("filter from the future: %d rows", n)
		}
	})
}

func TestTamperDetection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, db testDB)
		seq     int64
		problem string
	}{
		{"changed detail", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `UPDATE audit_log SET detail = '{"field":"phone","i":99}' WHERE tenant_id = 'p79' AND seq = 2`)
		}, 2, "hash does not match the row's contents"},
		{"changed hash", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `UPDATE audit_log SET hash = 'f00d' WHERE tenant_id = 'p79' AND seq = 2`)
		}, 2, "hash does not match"},
		{"changed action", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `UPDATE audit_log SET action = 'cadre.view' WHERE tenant_id = 'p79' AND seq = 1`)
		}, 1, "hash does not match"},
		{"deleted middle row", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `DELETE FROM audit_log WHERE tenant_id = 'p79' AND seq = 2`)
		}, 2, "row 2 is missing"},
		{"deleted newest row", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `DELETE FROM audit_log WHERE tenant_id = 'p79' AND seq = 3`)
		}, 3, "rows 3 to 3 are missing"},
		{"relinked", func(t *testing.T, db testDB) {
			exec(t, db.Owner, `UPDATE audit_log SET prev_hash = 'abc' WHERE tenant_id = 'p79' AND seq = 3`)
		}, 3, "prev_hash does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachDialect(t, func(t *testing.T, db testDB) {
				appendN(t, db, "p01", 2)
				appendN(t, db, "p79", 3)
				if rep := verify(t, db); !rep.OK() {
					t.Fatalf("before tampering: %v", rep.Broken)
				}
				id := rowID(t, db, "p79", int(tc.seq))
				tc.tamper(t, db)
				rep := verify(t, db)
				b := rep.Broken
				if b == nil || b.Tenant != "p79" || b.Seq != tc.seq || !strings.Contains(b.Problem, tc.problem) {
					t.Fatalf("verify after %s = %+v, want chain p79 seq %d: %q", tc.name, b, tc.seq, tc.problem)
				}
				if !strings.HasPrefix(tc.name, "deleted") && b.ID != id {
					t.Errorf("break names id %q, want the changed row %q", b.ID, id)
				}
			})
		})
	}
}

// Concurrent appends to one chain serialize: no fork, no gap.
func TestConcurrentAppends(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		const writers, each = 4, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- db.TenantTx(context.Background(), "p48", func(ctx context.Context, tx bun.Tx) error {
						return audit.Append(ctx, tx, audit.Entry{Tenant: "p48", Action: "plan.submit"})
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if rep := verify(t, db); !rep.OK() || rep.Rows != writers*each {
			t.Fatalf("verify = %+v (%v), want %d rows intact", rep, rep.Broken, writers*each)
		}
	})
}

func TestAppendNeedsTenantAndAction(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		for _, e := range []audit.Entry{{Action: "x"}, {Tenant: "p01"}} {
			err := db.TenantTx(ctxOf(t), "p01", func(ctx context.Context, tx bun.Tx) error { return audit.Append(ctx, tx, e) })
			if err == nil {
				t.Errorf("Append(%+v) succeeded", e)
			}
		}
	})
}

// On PostgreSQL the application role may only append: it cannot change or
// remove audit rows, and sees only the chains of its transaction's tenants.
func TestPostgresAppendOnly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		if db.Dialect != sqldb.Postgres {
			t.Skip("privileges and row-level security exist only on PostgreSQL")
		}
		appendN(t, db, "p01", 2)
		appendN(t, db, "p79", 1)
		for _, q := range []string{
			`UPDATE audit_log SET detail = '{}' WHERE tenant_id = 'p01'`,
			`DELETE FROM audit_log WHERE tenant_id = 'p01'`,
			`TRUNCATE audit_log`,
			`DELETE FROM audit_heads WHERE tenant_id = 'p01'`,
		} {
			err := db.TenantTx(ctxOf(t), "p01", func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, q)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "42501") { // insufficient_privilege
				t.Errorf("as doanbd_app %s: err = %v, want permission denied", q, err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctxOf(t), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 0 {
			t.Errorf("without a tenant set the app sees %d audit rows (err %v), want 0", n, err)
		}
		if err := db.ReadTenant(ctxOf(t), "p79", func(ctx context.Context, q bun.IDB) error {
			return q.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n)
		}); err != nil || n != 1 {
			t.Errorf("scoped to p79 the app sees %d rows (err %v), want its 1", n, err)
		}
		err := db.TenantTx(ctxOf(t), "p01", func(ctx context.Context, tx bun.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{Tenant: "p79", Action: "cadre.update"})
		})
		if err == nil {
			t.Error("appended to p79's chain from a transaction scoped to p01")
		}
		if rep := verify(t, db); !rep.OK() || rep.Rows != 3 {
			t.Errorf("verify as the app role = %+v (%v)", rep, rep.Broken)
		}
	})
}
