// Package sqldb opens the database with bun — SQLite (modernc) in the embedded
// mode, PostgreSQL in production — runs the embedded migrations, and runs
// transactions scoped to a tenant.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the application's database. On SQLite, writes go through a single
// connection (SQLite allows one writer; a pool of writers only fights over the
// lock) while reads use a pool; on PostgreSQL both are the same pool.
type DB struct {
	*bun.DB         // writer: use for transactions and writes
	Read    *bun.DB // readers: use for queries outside a transaction
	Dialect string
}

// Options selects and tunes the database.
type Options struct {
	URL      string // postgres://… ; empty for SQLite
	Path     string // SQLite file
	MaxConns int    // PostgreSQL pool size (default 20)
}

// Open connects and checks the connection.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o.Path)
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// bun writes every value into the SQL text, so each query is new to
	// pgx's statement cache: its default mode would prepare it first (an
	// extra round trip per SELECT) and then evict it. The simple protocol
	// sends the text once. A URL that sets default_query_exec_mode keeps it.
	if !strings.Contains(o.URL, "default_query_exec_mode") {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	// Tenant transactions begin and set their scope in one round trip (begin.go).
	sqldb := sql.OpenDB(scopedConnector{stdlib.GetConnector(*cfg)})
	n := o.MaxConns
	if n <= 0 {
		n = 20
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	db.AddQueryHook(countHook{})
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return &DB{DB: db, Read: db, Dialect: Postgres}, nil
}

// sqliteDSN builds a modernc DSN. modernc ignores mattn-style options such as
// _busy_timeout; pragmas must be given as _pragma=name(value), applied to
// every new connection. The writer begins transactions IMMEDIATE (it takes the
// write lock up front, so a transaction never fails half-way with SQLITE_BUSY
// when another process writes); readers begin DEFERRED so they never take it.
func sqliteDSN(path, txlock string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=" + txlock + "&_time_format=sqlite"
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	writer := bun.NewDB(w, sqlitedialect.New())
	writer.AddQueryHook(countHook{})
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("connect sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, "deferred")+"&mode=ro")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	reader := bun.NewDB(r, sqlitedialect.New())
	reader.AddQueryHook(countHook{})
	return &DB{DB: writer, Read: reader, Dialect: SQLite}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.DB.Close()
	if db.Read != db.DB {
		err = errors.Join(err, db.Read.Close())
	}
	return err
}

// Ping checks the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	return db.DB.PingContext(ctx)
}

// TxFunc is the body of a transaction.
type TxFunc func(ctx context.Context, tx bun.Tx) error

// TenantTx runs fn in one transaction scoped to tenant. On PostgreSQL the
// tenant is set with set_config(…, true) so row-level security policies apply
// to this transaction only. Every store method that writes tenant data runs here.
func (db *DB) TenantTx(ctx context.Context, tenant string, fn TxFunc) error {
	if tenant == "" {
		return errors.New("tenant transaction without a tenant")
	}
	return db.tx(ctx, []string{tenant}, fn)
}

// ConsolidationTx runs fn in a transaction that may read the listed tenants
// (an explicit, authorized cross-tenant view such as the central office's
// consolidated budget). The caller has checked authorization for each tenant.
func (db *DB) ConsolidationTx(ctx context.Context, tenants []string, fn TxFunc) error {
	if len(tenants) == 0 {
		return errors.New("consolidation transaction without tenants")
	}
	return db.tx(ctx, tenants, fn)
}

// SystemTx runs fn for platform bookkeeping that is not tenant data (the
// outbox relay, sessions, the tenant registry). Tenant tables stay filtered by
// row-level security: nothing is set.
func (db *DB) SystemTx(ctx context.Context, fn TxFunc) error {
	return db.tx(ctx, nil, fn)
}

func (db *DB) tx(ctx context.Context, tenants []string, fn TxFunc) error {
	return db.scopedTx(ctx, tenants, "BEGIN", nil, fn)
}

// scopedTx runs fn in a transaction begun with begin ("BEGIN", "BEGIN READ
// ONLY", matching opts) and scoped to tenants. On PostgreSQL the scope's
// set_config travels in the same message as begin, one round trip (begin.go).
func (db *DB) scopedTx(ctx context.Context, tenants []string, begin string, opts *sql.TxOptions, fn TxFunc) error {
	for _, t := range tenants {
		// app.tenants is a comma-separated list: a slug holding a comma would
		// widen the row-level security scope to tenants nobody authorized.
		if t == "" || strings.ContainsAny(t, ", ") {
			return fmt.Errorf("invalid tenant %q for a transaction", t)
		}
	}
	query := "" // the driver's own BEGIN, also when ctx comes from inside another scope
	if scope, list := scopeStatement(tenants); db.Dialect == Postgres && scope != "" {
		// The tenant list is quoted as a literal by the dialect.
		query = begin + "; " + db.DB.QueryGen().FormatQuery(scope, list)
	}
	return db.DB.RunInTx(withBegin(ctx, query), opts, func(ctx context.Context, tx bun.Tx) error {
		return fn(withBegin(ctx, ""), tx)
	})
}

// scopeStatement is the statement that scopes a PostgreSQL transaction to
// tenants (valid slugs) and its argument, the comma-separated list; "" for
// none. One tenant is compared by equality, which the planner folds into the
// query's own tenant condition; several are a list, checked by the function
// of schema app_consolidation, which the transaction puts first in its
// search_path (migration 0003 explains why). Both settings end with the
// transaction.
func scopeStatement(tenants []string) (string, string) {
	var distinct []string
	for _, t := range tenants {
		if !slices.Contains(distinct, t) {
			distinct = append(distinct, t)
		}
	}
	list := strings.Join(distinct, ",")
	switch len(distinct) {
	case 0:
		return "", ""
	case 1:
		return "SELECT set_config('app.tenants', ?, true)", list
	}
	return "SELECT set_config('app.tenants', ?, true), " +
		"set_config('search_path', 'app_consolidation, ' || current_setting('search_path'), true)", list
}

// ReadTenant runs fn on a read-only view for tenant: the reader pool on SQLite,
// a transaction with the tenant set on PostgreSQL (so RLS applies to reads too).
func (db *DB) ReadTenant(ctx context.Context, tenant string, fn func(ctx context.Context, q bun.IDB) error) error {
	if tenant == "" || strings.ContainsAny(tenant, ", ") {
		return fmt.Errorf("tenant read: invalid tenant %q", tenant)
	}
	if db.Dialect == Postgres {
		return db.readTx(ctx, tenant, fn)
	}
	return fn(ctx, db.Read)
}

// readTx runs fn in a read-only PostgreSQL transaction scoped to tenant,
// begun and scoped in one round trip: most API requests are one such read,
// and every round trip costs both processes a wake-up. The tenant setting is
// local to the transaction; database/sql ends it however fn ends, and
// discards the connection when ctx is cancelled.
func (db *DB) readTx(ctx context.Context, tenant string, fn func(ctx context.Context, q bun.IDB) error) error {
	err := db.scopedTx(ctx, []string{tenant}, "BEGIN READ ONLY", &sql.TxOptions{ReadOnly: true},
		func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
	if err != nil {
		return fmt.Errorf("tenant read: %w", err)
	}
	return nil
}

// IsUniqueViolation reports a unique-constraint failure on either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
