package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"doanbd/plugins/host"
)

// isoPlugin gives tenant a plugin choice of its own (of a plugin not
// installed), the per-tenant object of the plugin routes in the isolation
// matrix.
func isoPlugin(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	name := "iso-" + tenant
	if err := host.NewDBStore(e.app.DB).Put(context.Background(), tenant, host.TenantPlugin{Plugin: name}); err != nil {
		t.Fatal(err)
	}
	return name
}

// fakePlugin installs an executable that is not a plugin under a manifest
// with the given checksum ("" for the right one).
func fakePlugin(t *testing.T, root, name, capability, sum string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if sum == "" {
		if sum, err = host.FileSHA256(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	m := fmt.Sprintf("name: %s\nversion: 1.0.0\nprotocol_version: 1\nexecutable: %s\ncapabilities: [%s]\nsha256: %s\n", name, name, capability, sum)
	if err := os.WriteFile(filepath.Join(dir, host.ManifestFile), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPluginListCommand: the demo seed enables the demo tenants' plugins,
// and `plugin list` shows each plugin's status and the tenants using it.
func TestPluginListCommand(t *testing.T) {
	dir, plugins := t.TempDir(), t.TempDir()
	t.Setenv("DOANBD_DATA_DIR", dir)
	t.Setenv("DOANBD_DATABASE_URL", "")
	t.Setenv("DOANBD_REDIS_URL", "")
	t.Setenv("DOANBD_LOG_LEVEL", "error")
	t.Setenv("DOANBD_PLUGIN_DIR", plugins)
	fakePlugin(t, plugins, "bca-rules", "PlanRules", "")
	fakePlugin(t, plugins, "costnorms", "CostNorms", strings.Repeat("0", 64))
	fakePlugin(t, plugins, "spare", "PlanRules", "")

	if out, err := run(t, "seed", "--demo"); err != nil || !strings.Contains(out, "plugins: 3 enabled for demo tenants") {
		t.Fatalf("seed --demo: %v\n%s", err, out)
	}
	if out, err := run(t, "seed", "--demo"); err != nil || !strings.Contains(out, "plugins: 0 enabled for demo tenants") {
		t.Fatalf("second seed --demo: %v\n%s", err, out)
	}

	out, err := run(t, "plugin", "list", "--no-probe", "--json")
	if err != nil {
		t.Fatalf("plugin list: %v\n%s", err, out)
	}
	var rows []host.Row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = fmt.Sprintf("%s %v", r.Status, r.Tenants)
	}
	want := map[string]string{"bca-rules": "ok [bca]", "costnorms": "failed [p79]", "spare": "disabled []", "localprograms": "failed [p79]"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}

	// Probing starts bca-rules, which is no plugin: failed, with the reason.
	out, err = run(t, "plugin", "list")
	if err != nil {
		t.Fatalf("plugin list: %v\n%s", err, out)
	}
	for _, frag := range []string{"NAME", "STATUS", "TENANTS", "checksum mismatch", "not installed, but enabled by tenants", "exited before serving"} {
		if !strings.Contains(out, frag) {
			t.Errorf("plugin list output lacks %q:\n%s", frag, out)
		}
	}
}
