package tenants_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/sqldb"
	"doanbd/core/web"
	"doanbd/tenants"
)

// itemStep moves the live rows of a test table, as a domain package would.
type itemStep struct{ name string }

func (s itemStep) Name() string { return s.name }

func (s itemStep) Plan(ctx context.Context, tx bun.Tx, from, into string, on time.Time) (int, error) {
	n, err := tx.NewSelect().Table("merge_items").Where("tenant_id = ? AND live = ?", from, true).Count(ctx)
	return int(n), err
}

func (s itemStep) Move(ctx context.Context, tx bun.Tx, from, into string, on time.Time) (int, error) {
	res, err := tx.NewUpdate().Table("merge_items").Set("tenant_id = ?", into).
		Where("tenant_id = ? AND live = ?", from, true).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// failStep fails after the steps before it have moved their rows.
type failStep struct{}

func (failStep) Name() string { return "fails" }
func (failStep) Plan(context.Context, bun.Tx, string, string, time.Time) (int, error) {
	return 0, nil
}
func (failStep) Move(context.Context, bun.Tx, string, string, time.Time) (int, error) {
	return 0, errors.New("disk on fire")
}

// withItems creates the test table (tenant-owned, with row-level security on
// PostgreSQL) holding live and historical rows of p04 and one of p01.
func withItems(t *testing.T, db testDB) {
	t.Helper()
	stmts := []string{`CREATE TABLE merge_items (tenant_id TEXT NOT NULL, id TEXT NOT NULL, live BOOLEAN NOT NULL, PRIMARY KEY (tenant_id, id))`}
	if db.Dialect == sqldb.Postgres {
		stmts = append(stmts, `ALTER TABLE merge_items ENABLE ROW LEVEL SECURITY`, `ALTER TABLE merge_items FORCE ROW LEVEL SECURITY`,
			`CREATE POLICY tenant_isolation ON merge_items USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id))`)
	}
	stmts = append(stmts, `INSERT INTO merge_items VALUES ('p04', 'a', TRUE), ('p04', 'b', TRUE), ('p04', 'old', FALSE), ('p01', 'c', TRUE)`)
	for _, q := range stmts {
		if _, err := db.Owner.ExecContext(ctxOf(t), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// items returns "tenant/id" of every test row, sorted.
func items(t *testing.T, db testDB) string {
	t.Helper()
	var rows []struct {
		TenantID string `bun:"tenant_id"`
		ID       string `bun:"id"`
	}
	if err := db.Owner.NewSelect().Table("merge_items").Column("tenant_id", "id").Order("tenant_id", "id").Scan(ctxOf(t), &rows); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.TenantID+"/"+r.ID)
	}
	return strings.Join(out, " ")
}

func auditCount(t *testing.T, db testDB, tenant string) int {
	t.Helper()
	_, n, err := audit.NewStore(db.DB).List(ctxOf(t), tenant, audit.Filter{Action: "tenant.merge"}, web.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMerge(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		s := seeded(t, db, newClock())
		withItems(t, db)
		steps := []tenants.MergeStep{itemStep{"items"}}
		req := tenants.MergeRequest{From: "p04", Into: "p01", On: date("2026-06-30"), Actor: core.Principal{UserID: "u-admin", Email: "admin@example.vn"}}
		start := items(t, db)

		// Dry run: counts, and nothing changes.
		dry := req
		dry.DryRun = true
		res, err := s.Merge(ctx, dry, steps)
		if err != nil {
			t.Fatal(err)
		}
		if !res.DryRun || res.AlreadyMerged || len(res.Steps) != 1 || res.Steps[0].Rows != 2 {
			t.Fatalf("dry run = %+v, want 2 items to move", res)
		}
		if got := items(t, db); got != start {
			t.Fatalf("dry run moved rows: %s", got)
		}
		if p04, _ := s.Get(ctx, "p04"); p04.Status != core.TenantActive {
			t.Fatalf("dry run ended p04: %+v", p04)
		}
		if n := auditCount(t, db, "p04"); n != 0 {
			t.Fatalf("dry run wrote %d audit rows", n)
		}

		// A failing step rolls back every step and the end of the tenant.
		if _, err := s.Merge(ctx, req, []tenants.MergeStep{itemStep{"items"}, failStep{}}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("failing step: err = %v", err)
		}
		if got := items(t, db); got != start {
			t.Fatalf("failed merge left rows moved: %s", got)
		}
		if p04, _ := s.Get(ctx, "p04"); p04.Status != core.TenantActive {
			t.Fatalf("failed merge ended p04: %+v", p04)
		}

		// The merge: live rows move, history stays, p04 ends with p01 as successor.
		res, err = s.Merge(ctx, req, steps)
		if err != nil {
			t.Fatal(err)
		}
		if res.AlreadyMerged || res.Moved() != 2 {
			t.Fatalf("merge = %+v, want 2 moved", res)
		}
		if got, want := items(t, db), "p01/a p01/b p01/c p04/old"; got != want {
			t.Fatalf("after merge: %s, want %s", got, want)
		}
		p04, _ := s.Get(ctx, "p04")
		if p04.Status != core.TenantEnded || p04.Successor != "p01" || p04.ValidTo == nil || !p04.ValidTo.Equal(date("2026-06-30")) {
			t.Fatalf("p04 after merge: %+v", p04)
		}
		if name, _ := s.NameAt(ctx, "p04", date("2024-01-01")); name != "Tỉnh Đoàn Cao Bằng" {
			t.Errorf("old name of p04: %q", name)
		}
		if _, err := s.Resolve(ctx, "p04", false); err != nil {
			t.Errorf("merged tenant not readable: %v", err)
		}
		if _, err := s.Resolve(ctx, "p04", true); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("merged tenant writable: %v", err)
		}
		if a, b := auditCount(t, db, "p04"), auditCount(t, db, "p01"); a != 1 || b != 1 {
			t.Errorf("audit rows for the merge: p04 %d, p01 %d; want 1 each", a, b)
		}
		if rep, err := audit.Verify(ctx, db.DB); err != nil || !rep.OK() {
			t.Errorf("audit verify after merge: %+v, %v", rep, err)
		}

		// Again: a no-op that says so.
		before := snapshotRows(t, db)
		res, err = s.Merge(ctx, req, steps)
		if err != nil {
			t.Fatal(err)
		}
		if !res.AlreadyMerged || res.Moved() != 0 {
			t.Fatalf("second merge = %+v, want already merged, nothing moved", res)
		}
		if after := snapshotRows(t, db); after != before {
			t.Fatalf("second merge changed the registry")
		}
		if n := auditCount(t, db, "p04"); n != 1 {
			t.Errorf("second merge audited again: %d rows", n)
		}
	})
}

func TestMergeRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		ctx := ctxOf(t)
		s := seeded(t, db, newClock())
		// An inconsistent registry (an active tenant pointing at a successor)
		// is the only way a cycle can arise; build one to prove it is caught.
		if _, err := db.Owner.ExecContext(ctx, `UPDATE tenants SET successor = 'p08' WHERE id = 'p11'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		on := date("2026-06-30")
		for _, tc := range []struct {
			from, into string
			on         time.Time
			want       string
		}{
			{"p01", "p01", on, "into itself"},
			{"p98", "p01", on, `unknown tenant "p98"`},
			{"p01", "p98", on, `unknown tenant "p98"`},
			{"p01", "Bad Slug", on, `unknown tenant "Bad Slug"`},
			{"p04", "p72", on, "cannot merge into p72: it ended on 2025-06-30 (successor p80)"},
			{"p72", "p79", date("2025-06-30"), "p72 already ended on 2025-06-30 (successor p80)"},
			{"tw", "p01", on, "central office tw cannot take part"},
			{"p01", "tw", on, "central office tw cannot take part"},
			{"p08", "p11", on, "would make a cycle: p08 -> p11 -> p08"},
			{"p04", "p01", date("2027-01-01"), "in the future"},
			{"p04", "p01", time.Time{}, "a merge date is needed"},
			{"dtn-mttq", "dtn-cp", date("2025-01-01"), "before dtn-mttq began"},
		} {
			before := snapshotRows(t, db)
			_, err := s.Merge(ctx, tenants.MergeRequest{From: tc.from, Into: tc.into, On: tc.on}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("merge %s into %s on %s: err = %v, want one line containing %q", tc.from, tc.into, tc.on.Format(time.DateOnly), err, tc.want)
			}
			if after := snapshotRows(t, db); after != before {
				t.Errorf("refused merge %s into %s changed the registry", tc.from, tc.into)
			}
		}
		// The merge already recorded in the seed is recognised as done.
		res, err := s.Merge(ctx, tenants.MergeRequest{From: "p72", Into: "p80", On: date("2025-06-30")}, nil)
		if err != nil || !res.AlreadyMerged {
			t.Errorf("p72 into p80 on 2025-06-30: %+v, %v; want already merged", res, err)
		}
	})
}
