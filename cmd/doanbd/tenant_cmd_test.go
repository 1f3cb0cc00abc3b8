package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"doanbd/core/sqldb"
)

// run runs the CLI in the embedded mode on dataDir and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestTenantAndAuditCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOANBD_DATA_DIR", dir)
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")

	if out, err := run(t, "seed"); err != nil || !strings.Contains(out, "tenants: 72 created") {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	if out, err := run(t, "seed"); err != nil || !strings.Contains(out, "tenants: 0 created, 0 updated, 72 unchanged") {
		t.Fatalf("second seed: %v\n%s", err, out)
	}

	out, err := run(t, "tenant", "list", "--json", "--all")
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 72 {
		t.Fatalf("tenant list --json --all: %d tenants, %v\n%s", len(list), err, out)
	}
	for _, k := range []string{"slug", "name", "kind", "status", "parent"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("tenant list --json: no %q in %v", k, list[0])
		}
	}
	out, _ = run(t, "tenant", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 41 {
		t.Fatalf("tenant list --json: %d active tenants, want 41 (%v)", len(list), err)
	}
	out, _ = run(t, "tenant", "list", "--all")
	if !strings.Contains(out, "SLUG") || !regexpLine(out, "p72", "Tỉnh Đoàn Tây Ninh", "ended", "2025-06-30", "p80") {
		t.Fatalf("tenant list --all table:\n%s", out)
	}

	if out, err := run(t, "tenant", "merge", "--from", "p04", "--into", "p72", "--on", "2026-06-30"); err == nil ||
		!strings.Contains(err.Error(), "cannot merge into p72") {
		t.Fatalf("merge into an ended tenant: %v\n%s", err, out)
	}
	if out, err := run(t, "tenant", "merge", "--from", "p04", "--into", "p01", "--on", "2026-06-30", "--dry-run"); err != nil ||
		!strings.Contains(out, "nothing changed") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if out, _ := run(t, "tenant", "list"); !regexpLine(out, "p04", "active") {
		t.Fatalf("dry run ended p04:\n%s", out)
	}
	if out, err := run(t, "tenant", "merge", "--from", "p04", "--into", "p01", "--on", "2026-06-30"); err != nil ||
		!strings.Contains(out, "merged p04 into p01") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if out, err := run(t, "tenant", "merge", "--from", "p04", "--into", "p01", "--on", "2026-06-30"); err != nil ||
		!strings.Contains(out, "already merged") {
		t.Fatalf("merge again: %v\n%s", err, out)
	}

	if out, err := run(t, "audit", "verify"); err != nil || !strings.HasPrefix(out, "OK: 2 chain(s), 2 row(s)") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	db, err := sqldb.Open(context.Background(), sqldb.Options{Path: filepath.Join(dir, "doanbd.db")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), `UPDATE audit_log SET ip = '10.0.0.1' WHERE tenant_id = 'p04'`); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	out, err = run(t, "audit", "verify")
	if err == nil || !strings.Contains(out, "TAMPERED: chain p04, seq 1") {
		t.Fatalf("audit verify after tampering: %v\n%s", err, out)
	}
}

// regexpLine reports whether one line of out holds every field, in order.
func regexpLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, f := range fields {
			i := strings.Index(rest, f)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(f):]
		}
		if ok {
			return true
		}
	}
	return false
}
