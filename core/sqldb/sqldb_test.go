package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// backend opens a migrated database: SQLite in a temp dir, or PostgreSQL
// migrated as the owner and opened as doanbd_app (under row-level security).
type backend struct {
	name string
	open func(t *testing.T) *sqldb.DB
}

func backends() []backend {
	return []backend{
		{sqldb.SQLite, func(t *testing.T) *sqldb.DB {
			t.Helper()
			db := open(t, sqldb.Options{Path: filepath.Join(t.TempDir(), "test.db")})
			migrate(t, db)
			return db
		}},
		{sqldb.Postgres, func(t *testing.T) *sqldb.DB {
			t.Helper()
			pg := testenv.Postgres(t)
			owner := open(t, sqldb.Options{URL: pg.OwnerURL})
			migrate(t, owner)
			return open(t, sqldb.Options{URL: pg.AppURL})
		}},
	}
}

func open(t *testing.T, o sqldb.Options) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(testCtx(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func migrate(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	applied, err := db.Migrate(testCtx(t))
	if err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect, err)
	}
	return applied
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	names := func(d string) []string {
		ms, err := sqldb.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		if !sort.StringsAreSorted(out) {
			t.Errorf("%s migrations out of order: %v", d, out)
		}
		return out
	}
	lite, pg := names(sqldb.SQLite), names(sqldb.Postgres)
	// 0000_app_role grants to the PostgreSQL application role; nothing to do on SQLite.
	if len(pg) == 0 || pg[0] != "0000_app_role" {
		t.Fatalf("postgres migrations should start with 0000_app_role: %v", pg)
	}
	if strings.Join(lite, ",") != strings.Join(pg[1:], ",") {
		t.Fatalf("every migration needs both dialects:\nsqlite:   %v\npostgres: %v", lite, pg[1:])
	}
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		opts func(t *testing.T) sqldb.Options
	}{
		{sqldb.SQLite, func(t *testing.T) sqldb.Options {
			return sqldb.Options{Path: filepath.Join(t.TempDir(), "m.db")}
		}},
		{sqldb.Postgres, func(t *testing.T) sqldb.Options { return sqldb.Options{URL: testenv.Postgres(t).OwnerURL} }},
	} {
		t.Run(b.name, func(t *testing.T) {
			o := b.opts(t)
			db := open(t, o)
			all, err := sqldb.Migrations(db.Dialect)
			if err != nil {
				t.Fatal(err)
			}
			if got := migrate(t, db); len(got) != len(all) {
				t.Fatalf("first run applied %v, want all %d", got, len(all))
			}
			if got := migrate(t, db); len(got) != 0 {
				t.Fatalf("second run applied %v, want none", got)
			}
			// A second process (another handle) finds nothing to do either.
			if got := migrate(t, open(t, o)); len(got) != 0 {
				t.Fatalf("second handle applied %v, want none", got)
			}
			n, err := db.NewSelect().Table("schema_migrations").Count(testCtx(t))
			if err != nil || n != int64(len(all)) {
				t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(all))
			}
			if _, err := db.NewSelect().Table("outbox").Count(testCtx(t)); err != nil {
				t.Fatalf("outbox table missing: %v", err)
			}
		})
	}
}

// Two processes migrating the same PostgreSQL database at once apply each
// migration once (advisory lock).
func TestMigrateConcurrentPostgres(t *testing.T) {
	t.Parallel()
	url := testenv.Postgres(t).OwnerURL
	all, err := sqldb.Migrations(sqldb.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, 6)
	errs := make([]error, len(counts))
	for i := range counts {
		db := open(t, sqldb.Options{URL: url})
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := db.Migrate(context.Background())
			counts[i], errs[i] = len(applied), err
		}()
	}
	wg.Wait()
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	if total != len(all) {
		t.Fatalf("concurrent migrators applied %d migrations in total, want %d", total, len(all))
	}
}

// note is a tenant table with the row-level security policy every tenant
// table gets on PostgreSQL.
type note struct {
	bun.BaseModel `bun:"table:test_notes"`
	TenantID      string `bun:"tenant_id,notnull"`
	Body          string `bun:"body,notnull"`
}

func createNotes(t *testing.T, ownerURL string) {
	t.Helper()
	owner := open(t, sqldb.Options{URL: ownerURL})
	for _, q := range []string{
		`CREATE TABLE test_notes (tenant_id TEXT NOT NULL, body TEXT NOT NULL)`,
		`ALTER TABLE test_notes ENABLE ROW LEVEL SECURITY`,
		`ALTER TABLE test_notes FORCE ROW LEVEL SECURITY`,
		`CREATE POLICY tenant_isolation ON test_notes USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id))`,
	} {
		if _, err := owner.ExecContext(testCtx(t), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func countNotes(ctx context.Context, q bun.IDB) (map[string]int, error) {
	var rows []note
	if err := q.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.TenantID]++
	}
	return m, nil
}

func TestTenantRowLevelSecurity(t *testing.T) {
	t.Parallel()
	pg := testenv.Postgres(t)
	migrate(t, open(t, sqldb.Options{URL: pg.OwnerURL}))
	createNotes(t, pg.OwnerURL) // granted to doanbd_app by the default privileges of 0000_app_role
	db := open(t, sqldb.Options{URL: pg.AppURL})
	ctx := testCtx(t)

	for _, tn := range []string{"tw", "p79", "p79"} {
		err := db.TenantTx(ctx, tn, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(&note{TenantID: tn, Body: "x"}).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatalf("insert for %s: %v", tn, err)
		}
	}

	// Writing another tenant's row inside a tenant transaction is refused.
	err := db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&note{TenantID: "p79", Body: "smuggled"}).Exec(ctx)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("cross-tenant insert: got %v, want a row-level security violation", err)
	}

	check := func(name string, want map[string]int, run func(func(context.Context, bun.IDB) error) error) {
		t.Helper()
		var got map[string]int
		if err := run(func(ctx context.Context, q bun.IDB) (err error) {
			got, err = countNotes(ctx, q)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s sees %v, want %v", name, got, want)
		}
	}
	check("TenantTx(tw)", map[string]int{"tw": 1}, func(f func(context.Context, bun.IDB) error) error {
		return db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
	})
	check("ReadTenant(p79)", map[string]int{"p79": 2}, func(f func(context.Context, bun.IDB) error) error {
		return db.ReadTenant(ctx, "p79", f)
	})
	check("ConsolidationTx(tw,p79)", map[string]int{"tw": 1, "p79": 2}, func(f func(context.Context, bun.IDB) error) error {
		return db.ConsolidationTx(ctx, []string{"tw", "p79"}, func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
	})
	check("SystemTx", map[string]int{}, func(f func(context.Context, bun.IDB) error) error {
		return db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
	})
	check("no transaction", map[string]int{}, func(f func(context.Context, bun.IDB) error) error { return f(ctx, db.DB) })
	// A transaction begun with a context from inside a tenant transaction
	// has its own scope, not the outer one (the scope travels with BEGIN).
	check("SystemTx inside TenantTx(tw)", map[string]int{}, func(f func(context.Context, bun.IDB) error) error {
		return db.TenantTx(ctx, "tw", func(ctx context.Context, _ bun.Tx) error {
			return db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
		})
	})
	check("RunInTx inside TenantTx(tw)", map[string]int{}, func(f func(context.Context, bun.IDB) error) error {
		return db.TenantTx(ctx, "tw", func(ctx context.Context, _ bun.Tx) error {
			return db.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
		})
	})
	check("TenantTx(p79) inside TenantTx(tw)", map[string]int{"p79": 2}, func(f func(context.Context, bun.IDB) error) error {
		return db.TenantTx(ctx, "tw", func(ctx context.Context, _ bun.Tx) error {
			return db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error { return f(ctx, tx) })
		})
	})
	// The tenant setting is local to its transaction: the pooled connection
	// does not carry it into the next one.
	check("after tenant transactions", map[string]int{}, func(f func(context.Context, bun.IDB) error) error { return f(ctx, db.Read) })
}

// TestTenantScopesShareConnection runs the same statements on one pooled
// connection under one tenant, several and none, in turn: PostgreSQL must
// replan a cached statement when the scope's kind changes (migration 0003
// switches the policy's check by search_path), and a list of tenants set
// without ConsolidationTx must see nothing rather than everything.
func TestTenantScopesShareConnection(t *testing.T) {
	t.Parallel()
	pg := testenv.Postgres(t)
	migrate(t, open(t, sqldb.Options{URL: pg.OwnerURL}))
	createNotes(t, pg.OwnerURL)
	db := open(t, sqldb.Options{URL: pg.AppURL, MaxConns: 1})
	ctx := testCtx(t)
	for _, tn := range []string{"tw", "p79", "p79", "p01"} {
		if err := db.TenantTx(ctx, tn, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewInsert().Model(&note{TenantID: tn, Body: "x"}).Exec(ctx)
			return err
		}); err != nil {
			t.Fatalf("insert for %s: %v", tn, err)
		}
	}
	count := func(ctx context.Context, q bun.IDB) (string, error) {
		got, err := countNotes(ctx, q)
		return fmt.Sprint(got), err
	}
	steps := []struct {
		name string
		want string
		run  func(func(context.Context, bun.IDB) (string, error)) (string, error)
	}{
		{"ReadTenant(p79)", "map[p79:2]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error { got, err = f(ctx, q); return err })
			return got, err
		}},
		{"ConsolidationTx(tw,p79)", "map[p79:2 tw:1]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.ConsolidationTx(ctx, []string{"tw", "p79"}, func(ctx context.Context, tx bun.Tx) error { got, err = f(ctx, tx); return err })
			return got, err
		}},
		{"TenantTx(tw)", "map[tw:1]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error { got, err = f(ctx, tx); return err })
			return got, err
		}},
		{"ConsolidationTx(p79,p79)", "map[p79:2]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.ConsolidationTx(ctx, []string{"p79", "p79"}, func(ctx context.Context, tx bun.Tx) error { got, err = f(ctx, tx); return err })
			return got, err
		}},
		{"list set by hand", "map[]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenants', 'tw,p79', true)"); err != nil {
					return err
				}
				got, err = f(ctx, tx)
				return err
			})
			return got, err
		}},
		{"ConsolidationTx(p01,tw)", "map[p01:1 tw:1]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.ConsolidationTx(ctx, []string{"p01", "tw"}, func(ctx context.Context, tx bun.Tx) error { got, err = f(ctx, tx); return err })
			return got, err
		}},
		{"no transaction", "map[]", func(f func(context.Context, bun.IDB) (string, error)) (string, error) { return f(ctx, db.DB) }},
		{"ReadTenant(p01)", "map[p01:1]", func(f func(context.Context, bun.IDB) (string, error)) (got string, err error) {
			err = db.ReadTenant(ctx, "p01", func(ctx context.Context, q bun.IDB) error { got, err = f(ctx, q); return err })
			return got, err
		}},
	}
	for _, st := range steps {
		got, err := st.run(count)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s sees %s, want %s", st.name, got, st.want)
		}
	}
	// One tenant is an equality the planner folds into the query's own
	// tenant condition: no per-row list check is left in the plan.
	var plan []string
	if err := db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("EXPLAIN SELECT count(*) FROM test_notes WHERE tenant_id = ?", "p79").Scan(ctx, &plan)
	}); err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "\n"); strings.Contains(p, "string_to_array") || !strings.Contains(p, "One-Time Filter") {
		t.Errorf("single-tenant plan still checks a list per row:\n%s", p)
	}
}

// TestReadTenantEnds: a PostgreSQL tenant read is read-only, and however it
// ends (done, failed, its context cancelled mid-query) its connection goes
// back to the pool outside any transaction and without the tenant.
func TestReadTenantEnds(t *testing.T) {
	t.Parallel()
	pg := testenv.Postgres(t)
	migrate(t, open(t, sqldb.Options{URL: pg.OwnerURL}))
	createNotes(t, pg.OwnerURL)
	db := open(t, sqldb.Options{URL: pg.AppURL, MaxConns: 1})
	ctx := testCtx(t)
	if err := db.TenantTx(ctx, "p79", func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&note{TenantID: "p79", Body: "x"}).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// After each way of ending, the one connection must be idle and unscoped.
	clean := func(when string) {
		t.Helper()
		// now() is the transaction's start: two statements 5 ms apart see
		// the same now() only inside one transaction.
		var scope string
		var t1, t2 time.Time
		if err := db.DB.QueryRowContext(ctx, "SELECT coalesce(current_setting('app.tenants', true), ''), now()").Scan(&scope, &t1); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		time.Sleep(5 * time.Millisecond)
		if err := db.DB.QueryRowContext(ctx, "SELECT now()").Scan(&t2); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if scope != "" || t1.Equal(t2) {
			t.Errorf("%s: connection left scoped to %q (in a transaction: %v)", when, scope, t1.Equal(t2))
		}
	}
	err := db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(&note{TenantID: "p79", Body: "write in a read"}).Exec(ctx)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write in a tenant read: %v, want a read-only transaction error", err)
	}
	clean("after a failed read")
	if err := db.ReadTenant(ctx, "p79", func(ctx context.Context, q bun.IDB) error {
		got, err := countNotes(ctx, q)
		if err == nil && got["p79"] != 1 {
			err = fmt.Errorf("read sees %v", got)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	clean("after a read")
	cctx, cancel := context.WithCancel(ctx)
	err = db.ReadTenant(cctx, "p79", func(ctx context.Context, q bun.IDB) error {
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := q.ExecContext(ctx, "SELECT pg_sleep(5)")
		return err
	})
	if err == nil {
		t.Error("cancelled read: no error")
	}
	clean("after a cancelled read")
}

func TestTenantValidation(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := testCtx(t)
			noop := func(context.Context, bun.Tx) error { return nil }
			for _, bad := range []string{"", "tw,p79", "tw p79"} {
				if err := db.TenantTx(ctx, bad, noop); err == nil {
					t.Errorf("TenantTx(%q) accepted", bad)
				}
				if err := db.ReadTenant(ctx, bad, func(context.Context, bun.IDB) error { return nil }); err == nil {
					t.Errorf("ReadTenant(%q) accepted", bad)
				}
				if err := db.ConsolidationTx(ctx, []string{"tw", bad}, noop); err == nil {
					t.Errorf("ConsolidationTx(tw, %q) accepted", bad)
				}
			}
			if err := db.ConsolidationTx(ctx, nil, noop); err == nil {
				t.Error("ConsolidationTx without tenants accepted")
			}
			if err := db.TenantTx(ctx, "p79", noop); err != nil {
				t.Errorf("TenantTx(p79): %v", err)
			}
		})
	}
}

func TestRollbackAndUnique(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := testCtx(t)
			ins := func(id string) func(context.Context, bun.Tx) error {
				return func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, tenant_id, kind, payload, created_at) VALUES (?, 'tw', 'k', ?, ?)`,
						id, []byte("{}"), time.Now().UTC())
					return err
				}
			}
			boom := errors.New("boom")
			err := db.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error {
				if err := ins("a")(ctx, tx); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v, want the body's error", err)
			}
			if n, err := db.NewSelect().Table("outbox").Count(ctx); err != nil || n != 0 {
				t.Fatalf("rolled-back row visible: %d, %v", n, err)
			}
			if err := db.TenantTx(ctx, "tw", ins("a")); err != nil {
				t.Fatal(err)
			}
			err = db.TenantTx(ctx, "tw", ins("a"))
			if !sqldb.IsUniqueViolation(err) {
				t.Fatalf("duplicate id: got %v, want a unique violation", err)
			}
			if sqldb.IsUniqueViolation(boom) || sqldb.IsUniqueViolation(nil) {
				t.Fatal("IsUniqueViolation true for an unrelated error")
			}
		})
	}
}

// On SQLite, writes from many goroutines — and from a second handle, as a
// second process would — run while readers query, without SQLITE_BUSY.
func TestSQLiteConcurrentWritersAndReaders(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.db")
	db := open(t, sqldb.Options{Path: path})
	migrate(t, db)
	other := open(t, sqldb.Options{Path: path})
	ctx := testCtx(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE counter (tenant_id TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const writers, perWriter, readers = 8, 50, 4
	stop := make(chan struct{})
	errc := make(chan error, writers+readers)
	var readerWG, writerWG sync.WaitGroup
	var reads sync.Map
	for r := 0; r < readers; r++ {
		readerWG.Add(1)
		go func() {
			defer readerWG.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				err := db.ReadTenant(ctx, "tw", func(ctx context.Context, q bun.IDB) error {
					return q.QueryRowContext(ctx, `SELECT count(*) FROM counter WHERE tenant_id = ?`, "tw").Scan(&n)
				})
				if err != nil {
					errc <- fmt.Errorf("reader: %w", err)
					return
				}
				reads.Store(r, k)
			}
		}()
	}
	for w := 0; w < writers; w++ {
		h := db
		if w%2 == 1 {
			h = other
		}
		writerWG.Add(1)
		go func() {
			defer writerWG.Done()
			for i := 0; i < perWriter; i++ {
				err := h.TenantTx(ctx, "tw", func(ctx context.Context, tx bun.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM counter`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO counter (tenant_id, n) VALUES ('tw', ?)`, n)
					return err
				})
				if err != nil {
					errc <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	writerWG.Wait()
	close(stop)
	readerWG.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	// Each transaction read the count and inserted it: serialized writers give
	// exactly 0..N-1, a lost update would give a duplicate.
	var dups int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) - count(DISTINCT n) FROM counter`).Scan(&dups); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM counter`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != writers*perWriter || dups != 0 {
		t.Fatalf("%d rows with %d duplicate counts, want %d rows and none", total, dups, writers*perWriter)
	}
	var readersRan int
	reads.Range(func(_, _ any) bool { readersRan++; return true })
	if readersRan != readers {
		t.Fatalf("%d of %d readers completed a read", readersRan, readers)
	}
	// The reader pool cannot write.
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO counter (tenant_id, n) VALUES ('tw', -1)`); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestSQLitePragmas(t *testing.T) {
	db := open(t, sqldb.Options{Path: filepath.Join(t.TempDir(), "p.db")})
	ctx := testCtx(t)
	for _, h := range []struct {
		name string
		q    bun.IDB
	}{{"writer", db.DB}, {"reader", db.Read}} {
		var mode string
		var fk, busy int
		if err := h.q.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := h.q.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := h.q.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != 5000 {
			t.Errorf("%s: journal_mode=%s foreign_keys=%d busy_timeout=%d, want wal 1 5000", h.name, mode, fk, busy)
		}
	}
}

// Times go in and come out in UTC on both dialects.
func TestTimesUTC(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := testCtx(t)
			at := time.Date(2026, 3, 1, 23, 30, 0, 0, time.FixedZone("ICT", 7*3600))
			err := db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, tenant_id, kind, payload, created_at) VALUES ('t1', 'tw', 'k', ?, ?)`,
					[]byte("{}"), at.UTC())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := db.Read.QueryRowContext(ctx, `SELECT created_at FROM outbox WHERE id = 't1'`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(at) || got.UTC() != got.In(time.UTC) {
				t.Fatalf("stored %v, read back %v", at, got)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 1000; i++ {
		id := sqldb.NewID()
		if len(id) != 32 || seen[id] || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("bad or repeated id %q", id)
		}
		if id[:12] < prev {
			t.Fatalf("time prefix went backwards: %s after %s", id[:12], prev)
		}
		prev = id[:12]
		seen[id] = true
	}
}
