package synth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// writer stores one tenant's batch in one transaction.
type writer interface {
	write(ctx context.Context, tenant string, b batch) error
	close(ctx context.Context) error
}

func quoteCols(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `"` + c + `"`
	}
	return strings.Join(q, ", ")
}

// sqliteWriter inserts through prepared multi-row INSERT statements on the
// single writer connection. Statements are prepared once for the whole load
// (in sizes of powers of two, so a tenant's last rows need no statement of
// their own) and bound to each tenant's transaction. While it loads, the
// connection runs with synchronous=OFF and a large page cache: a crash loses
// the load (the tenant transactions not yet checkpointed), never the
// database; the settings go back to the defaults when it closes.
type sqliteWriter struct {
	db    *sqldb.DB
	stmts map[string]*sql.Stmt
}

// sqliteRowsPerStatement keeps a statement well under SQLite's limit of
// 32,766 bound parameters for the widest table.
const sqliteRowsPerStatement = 256

func newSQLiteWriter(ctx context.Context, db *sqldb.DB) (*sqliteWriter, error) {
	for _, p := range []string{"PRAGMA synchronous=OFF", "PRAGMA cache_size=-131072", "PRAGMA temp_store=MEMORY"} {
		if _, err := db.DB.ExecContext(ctx, p); err != nil {
			return nil, fmt.Errorf("synthetic data: %s: %w", p, err)
		}
	}
	return &sqliteWriter{db: db, stmts: map[string]*sql.Stmt{}}, nil
}

// stmt returns the statement inserting n rows into tb, prepared on the
// writer connection (the only one, so the transaction can use it as is).
func (w *sqliteWriter) stmt(ctx context.Context, tb table, n int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", tb.name, n)
	if st := w.stmts[key]; st != nil {
		return st, nil
	}
	st, err := w.db.DB.DB.PrepareContext(ctx, insertSQL(tb, n))
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", tb.name, err)
	}
	w.stmts[key] = st
	return st, nil
}

func (w *sqliteWriter) write(ctx context.Context, tenant string, b batch) error {
	// Prepare outside the transaction: the writer pool has one connection,
	// which the transaction holds.
	for _, tb := range tableOrder {
		for n := sqliteRowsPerStatement; n >= 1; n /= 2 {
			if _, err := w.stmt(ctx, tb, n); err != nil {
				return err
			}
		}
	}
	return w.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, tb := range tableOrder {
			rows := b[tb.name]
			for len(rows) > 0 {
				n := sqliteRowsPerStatement
				for n > len(rows) {
					n /= 2
				}
				st := tx.Tx.StmtContext(ctx, w.stmts[fmt.Sprintf("%s/%d", tb.name, n)])
				args := make([]any, 0, n*len(tb.cols))
				for _, r := range rows[:n] {
					args = append(args, r...)
				}
				if _, err := st.ExecContext(ctx, args...); err != nil {
					return fmt.Errorf("insert into %s: %w", tb.name, err)
				}
				rows = rows[n:]
			}
		}
		return nil
	})
}

// insertSQL is INSERT INTO t (cols) VALUES (?, …), … for n rows.
func insertSQL(tb table, n int) string {
	var s strings.Builder
	s.WriteString("INSERT INTO " + tb.name + " (" + quoteCols(tb.cols) + ") VALUES ")
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(tb.cols)), ", ") + ")"
	for i := 0; i < n; i++ {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(one)
	}
	return s.String()
}

func (w *sqliteWriter) close(ctx context.Context) error {
	var errs []error
	for _, st := range w.stmts {
		if err := st.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	// Statistics for the query planner over the new rows: full ones (a few
	// seconds for 500,000 cadres). Sampled ones (analysis_limit) saw only the
	// first tenant's rows and led the roster's unit-subtree lists to walk a
	// tenant's whole roster in sort order: 100 ms a page instead of 5.
	// The enrolments are the exception: 2,000,000 rows take longer to
	// analyse than to write, and their queries (a cadre's history by the
	// primary key, KPI counts by the only index on year and group) have no
	// plan to choose between, so a sample of them is enough.
	ps := []string{}
	for _, tb := range tableOrder {
		if tb.name == tEnrolments.name {
			ps = append(ps, "PRAGMA analysis_limit=1000", "ANALYZE "+tb.name, "PRAGMA analysis_limit=0")
			continue
		}
		ps = append(ps, "ANALYZE "+tb.name)
	}
	for _, p := range append(ps, "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-2000") {
		if _, err := w.db.DB.ExecContext(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("synthetic data: finish sqlite load: %v", errs)
	}
	return nil
}

// pgWriter copies each table's rows into a temporary table (COPY, the
// fastest way in) and moves them with one INSERT … SELECT, so row-level
// security checks every row as for any insert (COPY FROM itself is not
// allowed on tables under row-level security). It holds one connection of
// the pool for the whole load.
type pgWriter struct {
	conn *sql.Conn
}

func newPGWriter(ctx context.Context, db *sqldb.DB) (*pgWriter, error) {
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("synthetic data: connection: %w", err)
	}
	w := &pgWriter{conn: conn}
	err = w.raw(ctx, func(c *pgx.Conn) error {
		for _, tb := range tableOrder {
			q := fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS syn_%s (LIKE %s INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", tb.name, tb.name)
			if _, err := c.Exec(ctx, q); err != nil {
				return fmt.Errorf("create staging table for %s: %w", tb.name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("synthetic data: %w", err)
	}
	return w, nil
}

func (w *pgWriter) raw(ctx context.Context, fn func(c *pgx.Conn) error) error {
	return w.conn.Raw(func(dc any) error {
		c, ok := sqldb.PgxConn(dc)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		return fn(c)
	})
}

func (w *pgWriter) write(ctx context.Context, tenant string, b batch) error {
	return w.raw(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('app.tenants', $1, true)", tenant); err != nil {
				return fmt.Errorf("set tenant: %w", err)
			}
			for _, tb := range tableOrder {
				rows := b[tb.name]
				if len(rows) == 0 {
					continue
				}
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"syn_" + tb.name}, tb.cols, pgx.CopyFromRows(rows)); err != nil {
					return fmt.Errorf("copy %s: %w", tb.name, err)
				}
				cols := quoteCols(tb.cols)
				if _, err := tx.Exec(ctx, "INSERT INTO "+tb.name+" ("+cols+") SELECT "+cols+" FROM syn_"+tb.name); err != nil {
					return fmt.Errorf("insert into %s: %w", tb.name, err)
				}
			}
			return nil
		})
	})
}

func (w *pgWriter) close(ctx context.Context) error {
	err := w.raw(ctx, func(c *pgx.Conn) error {
		for _, tb := range tableOrder {
			if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS syn_"+tb.name); err != nil {
				return fmt.Errorf("drop staging table: %w", err)
			}
		}
		return nil
	})
	if cerr := w.conn.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synthetic data: finish postgres load: %w", err)
	}
	return nil
}

// Vacuum runs VACUUM (ANALYZE) on every table the load wrote, on
// PostgreSQL: after a bulk load the visibility map is empty, so index-only
// scans (the roster's counts) visit the heap for every row until autovacuum
// comes by, and the planner has no statistics. db must connect as the
// tables' owner (the migrating role); SQLite needs nothing (the load ends
// with ANALYZE).
func Vacuum(ctx context.Context, db *sqldb.DB) error {
	if db.Dialect != sqldb.Postgres {
		return nil
	}
	var owner bool
	if err := db.NewRaw(`SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'cadres' AND tableowner = current_user)
		OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`).Scan(ctx, &owner); err != nil {
		return fmt.Errorf("synthetic data: vacuum: %w", err)
	}
	if !owner {
		return fmt.Errorf("synthetic data: vacuum: the role does not own the tables (set DOANBD_MIGRATE_DATABASE_URL)")
	}
	for _, tb := range tableOrder {
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+tb.name); err != nil {
			return fmt.Errorf("synthetic data: vacuum %s: %w", tb.name, err)
		}
	}
	return nil
}
