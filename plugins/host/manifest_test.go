package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	install(t, root, "bca-rules", "bcarules", "1.0.0", []string{"PlanRules"}, nil)
	good := filepath.Join(root, "bca-rules", ManifestFile)
	b, err := os.ReadFile(good)
	must(t, err)
	write := func(dir, manifest string) {
		must(t, os.MkdirAll(filepath.Join(root, dir), 0o755))
		must(t, os.WriteFile(filepath.Join(root, dir, ManifestFile), []byte(manifest), 0o644))
	}
	sha := "sha256: " + strings.Repeat("ab", 32) + "\n"
	write("yaml", "name: [unclosed\n")
	write("capability", "name: capability\nversion: 1\nprotocol_version: 1\nexecutable: x\ncapabilities: [Telepathy]\n"+sha)
	write("protocol", "name: protocol\nversion: 1\nprotocol_version: 2\nexecutable: x\ncapabilities: [PlanRules]\n"+sha)
	write("escape", "name: escape\nversion: 1\nprotocol_version: 1\nexecutable: ../../bin/sh\ncapabilities: [PlanRules]\n"+sha)
	write("nosum", "name: nosum\nversion: 1\nprotocol_version: 1\nexecutable: x\ncapabilities: [PlanRules]\n")
	write("unknownfield", "name: unknownfield\nversion: 1\nprotocol_version: 1\nexecutable: x\ncapabilities: [PlanRules]\nenv: [A=1]\n"+sha)
	write("missingexe", "name: missingexe\nversion: 1\nprotocol_version: 1\nexecutable: x\ncapabilities: [PlanRules]\n"+sha)
	// A second directory claiming an installed plugin's name.
	must(t, os.MkdirAll(filepath.Join(root, "zz-copy"), 0o755))
	copyFile(t, filepath.Join(root, "bca-rules", "bca-rules"), filepath.Join(root, "zz-copy", "bca-rules"), 0o755)
	must(t, os.WriteFile(filepath.Join(root, "zz-copy", ManifestFile), b, 0o644))
	must(t, os.MkdirAll(filepath.Join(root, "no-manifest"), 0o755))

	found, err := Discover(root)
	must(t, err)
	want := map[string]string{
		"yaml":         "manifest",
		"capability":   `unknown capability "Telepathy"`,
		"protocol":     "protocol_version 2 is not supported",
		"escape":       "must be a file inside the plugin's directory",
		"nosum":        "sha256 must be",
		"unknownfield": "field env not found",
		"missingexe":   "verify executable",
	}
	okCount, dupCount := 0, 0
	for _, f := range found {
		name := f.Manifest.Name
		if name == "bca-rules" {
			if f.Err == nil {
				okCount++
			} else if strings.Contains(f.Err.Error(), "already uses the name") {
				dupCount++
			} else {
				t.Errorf("bca-rules: %v", f.Err)
			}
			continue
		}
		frag, ok := want[name]
		if !ok {
			t.Errorf("unexpected plugin %q", name)
			continue
		}
		delete(want, name)
		if f.Err == nil || !strings.Contains(f.Err.Error(), frag) {
			t.Errorf("%s: err %v, want it to mention %q", name, f.Err, frag)
		}
	}
	if okCount != 1 || dupCount != 1 {
		t.Errorf("bca-rules: %d usable, %d duplicates; want 1 and 1", okCount, dupCount)
	}
	for name := range want {
		t.Errorf("%s not discovered", name)
	}
	if found, err := Discover(filepath.Join(root, "absent")); err != nil || found != nil {
		t.Errorf("missing dir: %v, %v", found, err)
	}
}
