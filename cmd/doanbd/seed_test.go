package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"doanbd/core/sqldb"
)

// TestDemoEnrolments: seed --demo gives some of p79's demo cadres a
// training history, once: a second seed adds nothing.
func TestDemoEnrolments(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOANBD_DATA_DIR", dir)
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")
	out, err := run(t, "seed", "--demo")
	if err != nil || !strings.Contains(out, "enrolments (demo): p79 has 6 trainings") {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	if out, err := run(t, "seed", "--demo"); err != nil || strings.Contains(out, "enrolments (demo)") {
		t.Fatalf("second seed --demo: %v\n%s", err, out)
	}
	db, err := sqldb.Open(context.Background(), sqldb.Options{Path: filepath.Join(dir, "doanbd.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []struct {
		Name, Code, Result, Cert string
	}
	if err := db.NewRaw(`SELECT c.full_name AS name, e.program_code AS code, e.result, e.certificate_no AS cert
		FROM cadre_enrolments e JOIN cadres c ON c.tenant_id = e.tenant_id AND c.id = e.cadre_id
		WHERE e.tenant_id = 'p79' AND e.origin_tenant_id = 'p79' ORDER BY c.full_name, e.start_on`).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[0].Name != "Nguyễn Văn An" || rows[0].Code != "TW2-CB" || rows[0].Cert == "" || rows[2].Result != "in_progress" {
		t.Errorf("demo enrolments = %+v", rows)
	}
}
