// Package cadretest sets up the roster for tests of the roster, the import
// pipeline and the API: a migrated database of each dialect, the service
// with a test key and the real title catalogue and audit log, and a small
// unit tree. Only tests import it.
package cadretest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core/audit"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/seal"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
)

// DB is a migrated database: the application's connection (doanbd_app under
// row-level security on PostgreSQL) and the owner's, for inspecting raw rows.
type DB = sqldbtest.Pair

// Ctx is a context bounded by a generous timeout.
func Ctx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ForEachDialect runs fn on a fresh SQLite database and a fresh PostgreSQL
// database (skipped loudly when PostgreSQL is not installed).
func ForEachDialect(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens and migrates a fresh SQLite file.
func SQLite(t testing.TB) DB { return sqldbtest.OpenPair(t, sqldb.SQLite) }

// Postgres creates and migrates a fresh PostgreSQL database.
func Postgres(t testing.TB) DB { return sqldbtest.OpenPair(t, sqldb.Postgres) }

// Key is the test encryption key.
var Key = bytes.Repeat([]byte{7}, 32)

// Titles is the real title catalogue from configs/seed/programs.yaml.
func Titles(t testing.TB) *cadre.Titles {
	t.Helper()
	b, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := cadre.LoadTitles(b)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// Sealer is a sealer with the test key.
func Sealer(t testing.TB) *seal.Sealer {
	t.Helper()
	s, err := seal.New(Key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// AuditLog records roster events in the real audit log.
type AuditLog struct{}

// Record implements roster.Auditor.
func (AuditLog) Record(ctx context.Context, tx bun.IDB, e roster.AuditEvent) error {
	return audit.Append(ctx, tx, audit.Entry{Tenant: e.Tenant, Action: e.Action, Object: e.Object,
		ObjectID: e.ObjectID, Detail: e.Detail, IP: e.IP})
}

// Service is the roster over db.
func Service(t testing.TB, db DB) *roster.Service {
	t.Helper()
	return roster.New(db.DB, Sealer(t), Titles(t), AuditLog{})
}

// Tree is the unit tree Units creates in a tenant.
type Tree struct {
	Province, District, Commune, ChiDoan, Commune2, OldDistrict cadre.Unit
}

// Units creates a province union with a district (with a commune and a
// chi đoàn under it), a second commune directly under the province, and a
// district that ended on 2025-06-30.
func Units(t testing.TB, s *roster.Service, tenant string) Tree {
	t.Helper()
	ctx := Ctx(t)
	mk := func(parent, code, name, level string, to cadre.Date) cadre.Unit {
		u, err := s.CreateUnit(ctx, tenant, cadre.UnitInput{ParentID: parent, Code: code, Name: name, Level: level, ValidTo: to})
		if err != nil {
			t.Fatalf("create unit %s: %v", code, err)
		}
		return u
	}
	var tr Tree
	tr.Province = mk("", "TD", "Tỉnh đoàn", cadre.LevelTinh, cadre.Date{})
	tr.District = mk(tr.Province.ID, "H01", "Huyện đoàn Bình Chánh", cadre.LevelHuyen, cadre.Date{})
	tr.Commune = mk(tr.District.ID, "X01", "Đoàn xã Tân Nhựt", cadre.LevelCoSo, cadre.Date{})
	tr.ChiDoan = mk(tr.Commune.ID, "CD01", "Chi đoàn ấp 1", cadre.LevelChiDoan, cadre.Date{})
	tr.Commune2 = mk(tr.Province.ID, "X02", "Đoàn phường Bến Thành", cadre.LevelCoSo, cadre.Date{})
	tr.OldDistrict = mk(tr.Province.ID, "H99", "Huyện đoàn Cũ", cadre.LevelHuyen, cadre.NewDate(2025, 6, 30))
	return tr
}

// Str returns a pointer to s (sensitive fields of cadre.CadreInput).
func Str(s string) *string { return &s }

// Input is a valid cadre input in unit.
func Input(name, unit string) cadre.CadreInput {
	return cadre.CadreInput{FullName: name, BirthDate: cadre.NewDate(1995, 3, 15), Gender: cadre.Male,
		UnitID: unit, Title: "bi_thu_xa", Employment: cadre.FullTime}
}
