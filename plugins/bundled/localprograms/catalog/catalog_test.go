package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExample(t *testing.T) {
	ps, err := Load("..", "examples/p79.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 || ps[0].Code != "P79-KCN" || len(ps[0].Modules) != 4 || ps[0].Modules[1].Hours != 8 {
		t.Fatalf("%+v", ps)
	}
	for _, p := range ps {
		if p.Audience.Levels == nil {
			t.Errorf("%s: no levels", p.Code)
		}
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("programs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("programs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"":               "chưa cấu hình",
		"/etc/passwd":    "đường dẫn tương đối",
		"../secret.yaml": "đường dẫn tương đối",
		"missing.yaml":   "không tìm thấy",
		"link.yaml":      "link.yaml", // a symlink out of the data dir is refused by os.Root
	} {
		_, err := Load(dir, name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%q) = %v, want an error mentioning %q", name, err, want)
		}
	}
	if ps, err := Load(dir, "ok.yaml"); err != nil || len(ps) != 0 {
		t.Errorf("empty file: %v, %v", ps, err)
	}
}

func TestParseErrors(t *testing.T) {
	mod := "    modules: [{code: M1, name: Một, hours: 4}]\n"
	for doc, want := range map[string]string{
		"programs: [{name: X}]\n": "thiếu mã",
		"programs:\n  - code: A\n    name: X\n" + mod + "  - code: A\n    name: Y\n" + mod: "bị trùng",
		"programs:\n  - code: A\n    name: X\n":                                            "chưa có chuyên đề",
		"programs:\n  - code: A\n    name: X\n    modules: [{name: Một, hours: 0}]\n":      "số giờ",
		"programs:\n  - code: A\n    name: X\n    colour: red\n" + mod:                     "colour",
		"programs: {\n": "YAML",
	} {
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", doc, err, want)
		}
	}
}
