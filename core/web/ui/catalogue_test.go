package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"text/template/parse"

	"doanbd/core/i18n"
)

// Every key a template passes to t, and every key the Go code of this
// package translates, exists in the catalogues (which Load checks exist in
// both languages). Templates may call t only with a literal key, so this
// check sees them all; dynamic names go through tr with a prefix.
func TestEveryKeyIsInTheCatalogue(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	as, err := loadAssets(assetFiles)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := newTemplates(cat, as, templateFiles)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for name := range eng.texts {
		tpl, err := eng.page(i18n.Default, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range tpl.Templates() {
			if sub.Tree == nil {
				continue
			}
			walk(sub.Tree.Root, func(cmd *parse.CommandNode) {
				id, ok := cmd.Args[0].(*parse.IdentifierNode)
				if !ok || id.Ident != "t" {
					return
				}
				if len(cmd.Args) < 2 {
					t.Errorf("%s/%s: t without a key", name, sub.Name())
					return
				}
				s, ok := cmd.Args[1].(*parse.StringNode)
				if !ok {
					t.Errorf("%s/%s: t with a non-literal key %s", name, sub.Name(), cmd.Args[1])
					return
				}
				used[s.Text] = true
			})
		}
	}
	// Keys named in Go code: p.T("…"), f.Fail(…, "…"), section labels, flash keys.
	goKey := regexp.MustCompile(`"((?:[a-z0-9_]+\.)+[a-z0-9_]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Ext(f) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(f) {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			if isKeyLike(m[1]) {
				used[m[1]] = true
			}
		}
	}
	var missing []string
	for k := range used {
		if !cat.Has(k) {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("keys used but not in the catalogue: %v", missing)
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys: the walker is broken", len(used))
	}
}

// isKeyLike skips dotted strings in Go code that are not message keys
// (file names, MIME types).
func isKeyLike(s string) bool {
	for _, ext := range []string{".html", ".css", ".js", ".svg", ".json", ".xlsx", ".go", ".min"} {
		if regexp.MustCompile(regexp.QuoteMeta(ext) + `$`).MatchString(s) {
			return false
		}
	}
	return true
}

func walk(n parse.Node, f func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, f)
		}
	case *parse.ActionNode:
		walk(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, f)
		}
	case *parse.CommandNode:
		f(n)
		for _, a := range n.Args {
			walk(a, f)
		}
	case *parse.IfNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.RangeNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.WithNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.TemplateNode:
		walk(n.Pipe, f)
	}
}
