package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/config"
	"doanbd/core/sqldb"
	"doanbd/core/testenv"
)

// The roster's rows of the isolation matrix (isolation_matrix_test.go):
// added here so the capability keeps its own rows.
func init() {
	obj := func(f func(t *testing.T, e *isoEnv, tenant string) string) isolationRow {
		return isolationRow{Object: f, ObjectParam: "id"}
	}
	with := func(r isolationRow, body string) isolationRow { r.Body = body; return r }
	unitBody := `{"code":"ISO1","name":"Đơn vị giả","level":"tinh"}`
	rows := map[string]isolationRow{
		"GET /api/v1/t/:tenant/units":                         {},
		"POST /api/v1/t/:tenant/units":                        {Body: unitBody},
		"GET /api/v1/t/:tenant/units/:id":                     obj(isoUnit),
		"PUT /api/v1/t/:tenant/units/:id":                     with(obj(isoUnit), unitBody),
		"DELETE /api/v1/t/:tenant/units/:id":                  obj(isoUnit),
		"GET /api/v1/t/:tenant/cadres":                        {Query: "?q=nguyen"},
		"POST /api/v1/t/:tenant/cadres":                       {Body: `{"full_name":"Kẻ Xâm Nhập","birth_date":"1995-01-01","gender":"nam","unit_id":"x","employment":"kiem_nhiem"}`},
		"GET /api/v1/t/:tenant/cadres/choices":                {},
		"POST /api/v1/t/:tenant/cadres/lookup":                {Body: `{"cccd":"079095012345"}`},
		"GET /api/v1/t/:tenant/cadres/:id":                    obj(isoCadre),
		"PUT /api/v1/t/:tenant/cadres/:id":                    with(obj(isoCadre), `{"full_name":"Đổi Tên","birth_date":"1995-01-01","gender":"nam","unit_id":"x","employment":"kiem_nhiem"}`),
		"DELETE /api/v1/t/:tenant/cadres/:id":                 obj(isoCadre),
		"GET /api/v1/t/:tenant/cadres/:id/sensitive":          obj(isoCadre),
		"GET /api/v1/t/:tenant/cadres/:id/positions":          obj(isoCadre),
		"POST /api/v1/t/:tenant/cadres/:id/positions":         with(obj(isoCadre), `{"kind":"left","on":"2026-01-01"}`),
		"GET /api/v1/t/:tenant/cadres/:id/planning":           obj(isoCadre),
		"POST /api/v1/t/:tenant/cadres/:id/planning":          with(obj(isoCadre), `{"title":"bi_thu_tinh","since":"2024-01-01"}`),
		"POST /api/v1/t/:tenant/cadres/:id/planning/:pid/end": obj(isoCadre),
		"GET /api/v1/t/:tenant/cadres/:id/enrolments":         obj(isoCadre),
		"POST /api/v1/t/:tenant/cadres/:id/enrolments":        with(obj(isoCadre), `{"program_code":"TW2-CB","program_name":"Xâm nhập","program_group":"TW2","year":2025,"start_on":"2025-04-01"}`),
		"POST /api/v1/t/:tenant/cadres/:id/transfers":         with(obj(isoCadre), `{"to_tenant":"p04","on":"2026-01-01"}`),
		"GET /api/v1/t/:tenant/transfers":                     {},
		"GET /api/v1/t/:tenant/transfers/:id":                 obj(isoTransfer),
		"POST /api/v1/t/:tenant/transfers/:id/accept":         with(obj(isoTransfer), `{"unit_id":"x"}`),
		"POST /api/v1/t/:tenant/transfers/:id/reject":         with(obj(isoTransfer), `{"note":"không"}`),
		"POST /api/v1/t/:tenant/transfers/:id/cancel":         obj(isoTransfer),
		"GET /api/v1/t/:tenant/cadres/import/template":        {},
		"POST /api/v1/t/:tenant/cadres/imports":               {},
		"GET /api/v1/t/:tenant/cadres/imports":                {},
		"GET /api/v1/t/:tenant/cadres/imports/:id":            obj(isoImport),
		"GET /api/v1/t/:tenant/cadres/imports/:id/problems":   obj(isoImport),
		"GET /api/v1/t/:tenant/cadres/imports/:id/rows":       obj(isoImport),
		"POST /api/v1/t/:tenant/cadres/imports/:id/commit":    with(obj(isoImport), `{"mode":"valid_only"}`),
		"GET /api/v1/t/:tenant/cadres/export":                 {Query: "?format=csv"},
	}
	for k, v := range rows {
		isolationMatrix[k] = v
	}
}

var isoSeq atomic.Int64

// isoPost creates something through the API as the tenant's planner (or the
// central administrator in tw) and returns its id.
func isoPost(t *testing.T, e *isoEnv, tenant, path, body string) string {
	t.Helper()
	st, b := e.do(http.MethodPost, "/api/v1/t/"+tenant+path, e.user("planner", tenant).Token, body)
	var out struct{ ID string }
	if st != http.StatusCreated || json.Unmarshal(b, &out) != nil || out.ID == "" {
		t.Fatalf("POST %s in %s: %d %s", path, tenant, st, b)
	}
	return out.ID
}

func isoUnit(t *testing.T, e *isoEnv, tenant string) string {
	return isoPost(t, e, tenant, "/units", fmt.Sprintf(`{"code":"ISO-%d","name":"Đơn vị của %s","level":"tinh"}`, isoSeq.Add(1), tenant))
}

func isoCadre(t *testing.T, e *isoEnv, tenant string) string {
	unit := isoUnit(t, e, tenant)
	return isoPost(t, e, tenant, "/cadres", fmt.Sprintf(`{"full_name":"Cán Bộ %s","birth_date":"1995-01-01","gender":"nam","unit_id":%q,"employment":"kiem_nhiem"}`, tenant, unit))
}

// isoTransfer proposes a transfer to p04, a tenant outside the test set.
func isoTransfer(t *testing.T, e *isoEnv, tenant string) string {
	id := isoCadre(t, e, tenant)
	return isoPost(t, e, tenant, "/cadres/"+id+"/transfers", `{"to_tenant":"p04","on":"2026-01-01"}`)
}

func isoImport(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	_, im, err := e.app.RosterParts()
	if err != nil {
		t.Fatal(err)
	}
	up, err := im.Upload(context.Background(), tenant, "iso.xlsx", workbook(t, [][]any{{"Họ và tên", "Ngày sinh", "Giới tính"}}))
	if err != nil {
		t.Fatal(err)
	}
	return up.ID
}

func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncryptionKeyFile(t *testing.T) {
	dir := t.TempDir()
	a := &App{Cfg: config.Default()}
	a.Cfg.DataDir = dir
	k1, err := a.encryptionKey()
	if err != nil || len(k1) != 32 {
		t.Fatalf("key = %d bytes, %v", len(k1), err)
	}
	fi, err := os.Stat(filepath.Join(dir, keyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", fi, err)
	}
	k2, err := a.encryptionKey()
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("the key file is not reused")
	}
	a.Cfg.EncryptionKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	if k3, err := a.encryptionKey(); err != nil || !bytes.Equal(k3, bytes.Repeat([]byte{9}, 32)) {
		t.Fatal("the configured key must win over the file")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.key"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateKey(filepath.Join(dir, "bad.key")); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
	a.Cfg.EncryptionKey, a.Cfg.DatabaseURL = "", "postgres://x"
	if _, err := a.encryptionKey(); err == nil {
		t.Fatal("PostgreSQL without a configured key")
	}
}

// TestImportThroughJobs runs an import end to end through the real outbox,
// relay and Asynq worker: the embedded stack on SQLite, PostgreSQL with a
// real Redis.
func TestImportThroughJobs(t *testing.T) {
	for _, d := range []string{sqldb.SQLite, sqldb.Postgres} {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := config.Default()
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			cfg.LogLevel = "error"
			if d == sqldb.Postgres {
				pg := testenv.Postgres(t)
				owner, err := sqldb.Open(ctx, sqldb.Options{URL: pg.OwnerURL})
				if err != nil {
					t.Fatal(err)
				}
				defer owner.Close()
				if _, err := owner.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				addr, idx := testenv.Redis(t)
				cfg.DatabaseURL, cfg.RedisURL = pg.AppURL, fmt.Sprintf("redis://%s/%d", addr, idx)
				cfg.EncryptionKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))
			}
			a, err := Open(ctx, cfg, newLogger(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := seedTenants(ctx, a, SeedOptions{Out: io.Discard}); err != nil {
				t.Fatal(err)
			}
			if err := seedRoster(ctx, a, SeedOptions{Demo: true, Out: io.Discard}); err != nil {
				t.Fatal(err)
			}
			if err := a.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			runCtx, stop := context.WithCancel(ctx)
			go func() { done <- a.Run(runCtx, Roles{Worker: true, Relay: true}, nil) }()
			defer func() { stop(); <-done }()

			r, im, err := a.RosterParts()
			if err != nil {
				t.Fatal(err)
			}
			content := workbook(t, [][]any{
				{"Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Chế độ công tác"},
				{"Mai Văn Một", "01/01/1995", "Nam", "079095777001", "P-BT", "Kiêm nhiệm"},
				{"Mai Thị Hai", "02/02/1996", "Nữ", "079196777002", "X-TA", "Chuyên trách"},
				{"Mai Văn Ba", "03/03/1997", "Nam", "123", "P-SG", "Kiêm nhiệm"},
			})
			up, err := im.Upload(ctx, "p79", "ds.xlsx", content)
			if err != nil {
				t.Fatal(err)
			}
			got := waitImport(t, im, up.ID, importer.StatusParsed)
			if got.ValidRows != 2 || got.ErrorRows != 1 {
				t.Fatalf("parsed = %+v", got)
			}
			if _, err := im.Commit(ctx, "p79", up.ID, importer.ModeValidOnly); err != nil {
				t.Fatal(err)
			}
			got = waitImport(t, im, up.ID, importer.StatusCommitted)
			if got.Inserted != 2 {
				t.Fatalf("committed = %+v", got)
			}
			cs, n, err := r.ListCadres(ctx, "p79", roster.Filter{Q: "mai"})
			if err != nil || n != 2 || cs[0].FullName != "Mai Thị Hai" { // given names: Hai before Một
				t.Fatalf("roster after the import = %+v, %d, %v", cs, n, err)
			}
			if s, err := r.ReadSensitive(ctx, "p79", cs[0].ID); err != nil || s.CCCD != "079196777002" {
				t.Errorf("sensitive = %+v, %v", s, err)
			}
			if cs, _, _ := r.ListCadres(ctx, "p79", roster.Filter{Status: "all"}); len(cs) != len(demoCadres)+2 {
				t.Errorf("p79 has %d cadres", len(cs))
			}
		})
	}
}

// waitImport polls an import until it reaches status (jobs run in the
// background); it fails on a terminal status other than the one awaited.
func waitImport(t *testing.T, im *importer.Importer, id, status string) importer.Import {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := im.Get(context.Background(), "p79", id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Status == status:
			return got
		case got.Status == importer.StatusFailed || got.Status == importer.StatusCommitFailed:
			t.Fatalf("import ended %s: %s", got.Status, got.Message)
		case time.Now().After(deadline):
			t.Fatalf("import still %s after 2 minutes", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
