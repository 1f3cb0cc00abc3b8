package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"doanbd/core/i18n"
)

//go:embed templates
var templateFiles embed.FS

// templates holds the page templates of each language. The translation
// function t is bound to the language at parse time, so rendering needs no
// per-request cloning. Every page is parsed at boot in every language, so a
// broken template stops the start, but a page's parsed form is kept only
// once it is first rendered: a process that serves no pages (a worker) or
// only some of them, in one language, does not hold the rest (~8 MB for
// all pages in both languages).
type templates struct {
	texts map[string]string                // page name → template text
	base  map[i18n.Lang]*template.Template // the layout, parsed, cloned for each page

	mu    sync.Mutex
	pages map[i18n.Lang]map[string]*template.Template
}

func newTemplates(cat *i18n.Catalog, as *assets, fsys fs.FS) (*templates, error) {
	layout, err := readDir(fsys, "templates/layout")
	if err != nil {
		return nil, err
	}
	var common strings.Builder
	for _, text := range layout {
		common.WriteString(text)
	}
	pages, err := readDir(fsys, "templates/pages")
	if err != nil {
		return nil, err
	}
	e := &templates{texts: pages, base: map[i18n.Lang]*template.Template{},
		pages: map[i18n.Lang]map[string]*template.Template{}}
	for _, lang := range i18n.Langs {
		if e.base[lang], err = template.New("base").Funcs(funcs(cat.For(lang), as)).Parse(common.String()); err != nil {
			return nil, fmt.Errorf("ui: parse layout: %w", err)
		}
		e.pages[lang] = map[string]*template.Template{}
		for name := range pages {
			if _, err := e.parse(lang, name); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// parse parses one page with the layout in lang.
func (e *templates) parse(lang i18n.Lang, name string) (*template.Template, error) {
	text, ok := e.texts[name]
	if !ok {
		return nil, fmt.Errorf("ui: unknown page %q", name)
	}
	t, err := e.base[lang].Clone()
	if err != nil {
		return nil, fmt.Errorf("ui: clone layout: %w", err)
	}
	if t, err = t.Parse(text); err != nil {
		return nil, fmt.Errorf("ui: parse page %s: %w", name, err)
	}
	return t, nil
}

// page returns the parsed page in lang, parsing it on first use.
func (e *templates) page(lang i18n.Lang, name string) (*template.Template, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.pages[lang][name]; ok {
		return t, nil
	}
	if _, ok := e.base[lang]; !ok {
		return nil, fmt.Errorf("ui: unknown language %q", lang)
	}
	t, err := e.parse(lang, name)
	if err != nil {
		return nil, err
	}
	e.pages[lang][name] = t
	return t, nil
}

// readDir returns the .html files of dir by name without the extension.
func readDir(fsys fs.FS, dir string) (map[string]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("ui: read %s: %w", dir, err)
	}
	out := map[string]string{}
	for _, en := range entries {
		if en.IsDir() || path.Ext(en.Name()) != ".html" {
			continue
		}
		b, err := fs.ReadFile(fsys, dir+"/"+en.Name())
		if err != nil {
			return nil, fmt.Errorf("ui: read template %s: %w", en.Name(), err)
		}
		out[strings.TrimSuffix(en.Name(), ".html")] = string(b)
	}
	return out, nil
}

// render executes block ("base" for a whole page, or a fragment defined by
// the page for htmx) of page in lang into a buffer, so a failing template
// never sends half a page.
func (e *templates) render(lang i18n.Lang, page, block string, data any) ([]byte, error) {
	t, err := e.page(lang, page)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, block, data); err != nil {
		return nil, fmt.Errorf("ui: render %s/%s: %w", page, block, err)
	}
	return b.Bytes(), nil
}

func funcs(p i18n.Printer, as *assets) template.FuncMap {
	return template.FuncMap{
		"t":        p.T,
		"tr":       p.Label,
		"asset":    as.URL,
		"date":     func(v any) string { return fmtTime(v, i18n.Date) },
		"datetime": func(v any) string { return fmtTime(v, i18n.DateTime) },
		"money":    func(v any) string { return i18n.Money(toInt64(v)) },
		"num":      func(v any) string { return i18n.Int(toInt64(v)) },
		"total":    pagerTotal,
		"dict":     dict,
		"add1":     func(i int) int { return i + 1 },
		"ispdf":    func(s string) bool { return strings.HasSuffix(s, "_pdf") },
		"isdate":   func(s string) bool { return strings.HasSuffix(s, "_date") },
		"contains": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

func fmtTime(v any, f func(time.Time) string) string {
	switch t := v.(type) {
	case time.Time:
		return f(t)
	case *time.Time:
		if t == nil {
			return ""
		}
		return f(*t)
	default:
		return ""
	}
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	case uint:
		return int64(n)
	case uint32:
		return int64(n)
	default:
		return 0
	}
}

// dict builds a map from alternating keys and values, so a template can pass
// several values to a partial: {{template "input" (dict "F" .Form "Name" "email")}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
