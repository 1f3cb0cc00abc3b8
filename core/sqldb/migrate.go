package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Migrations live in migrations/<dialect>/NNNN_name.sql, ordered by name.
// Each file runs in one transaction and is recorded in schema_migrations.
//
//go:embed migrations
var migrationFS embed.FS

// Migration is one file to apply.
type Migration struct {
	Name string
	SQL  string
}

// Migrations returns the embedded migrations of a dialect, in order.
func Migrations(dialect string) ([]Migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Name: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// returns the names applied. On PostgreSQL an advisory lock keeps two
// processes from migrating at once.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	// Under the lock too: two PostgreSQL sessions racing on CREATE TABLE IF NOT
	// EXISTS can both try to create it, and one fails on pg_type's unique index.
	err = db.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := db.migrationLock(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name VARCHAR(200) PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range ms {
		done, err := db.applyOne(ctx, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

func (db *DB) applyOne(ctx context.Context, m Migration) (bool, error) {
	applied := false
	err := db.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := db.migrationLock(ctx, tx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Table("schema_migrations").Where("name = ?", m.Name).Count(ctx)
		if err != nil {
			return fmt.Errorf("check migration %s: %w", m.Name, err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", m.Name, time.Now().UTC()); err != nil {
			return fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		applied = true
		return nil
	})
	return applied, err
}

// migrationLock serializes migrating sessions on PostgreSQL until tx ends
// (SQLite's single writer already does).
func (db *DB) migrationLock(ctx context.Context, tx bun.Tx) error {
	if db.Dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(72291)"); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	return nil
}
