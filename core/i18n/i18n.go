// Package i18n holds the message catalogues of the user interface (Vietnamese,
// the default, and English) and the Vietnamese formats for dates, numbers and
// money. Every string a page shows comes from a catalogue, so a test can check
// that both languages carry every key the templates use.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Lang is a supported interface language.
type Lang string

// Supported languages; Vietnamese is the default.
const (
	VI      Lang = "vi"
	EN      Lang = "en"
	Default      = VI
)

// Langs lists the supported languages, default first.
var Langs = []Lang{VI, EN}

// ParseLang returns the supported language named by s ("vi", "en-US", …), or
// Default when s names none.
func ParseLang(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_;,"); i >= 0 {
		s = s[:i]
	}
	for _, l := range Langs {
		if string(l) == s {
			return l
		}
	}
	return Default
}

//go:embed messages/*.json
var files embed.FS

// Catalog maps message keys to text, per language. It is read-only after
// Load, so one value is shared by all requests.
type Catalog struct {
	msgs map[Lang]map[string]string
}

// Load reads the embedded catalogues and checks that every language has
// exactly the same keys, so a missing translation fails at boot, not in front
// of a user.
func Load() (*Catalog, error) { return LoadFS(files) }

// LoadFS reads messages/<lang>.json for every supported language from fsys.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: make(map[Lang]map[string]string, len(Langs))}
	for _, l := range Langs {
		b, err := fs.ReadFile(fsys, "messages/"+string(l)+".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s catalogue: %w", l, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: parse %s catalogue: %w", l, err)
		}
		c.msgs[l] = m
	}
	if missing := c.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("i18n: keys missing from a catalogue: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// Missing lists "lang:key" for every key present in one language but not in
// another.
func (c *Catalog) Missing() []string {
	var out []string
	for _, a := range Langs {
		for k := range c.msgs[a] {
			for _, b := range Langs {
				if _, ok := c.msgs[b][k]; !ok {
					out = append(out, string(b)+":"+k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists (in every language, as Load guarantees).
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Default][key]
	return ok
}

// Keys returns every key, sorted.
func (c *Catalog) Keys() []string {
	out := make([]string, 0, len(c.msgs[Default]))
	for k := range c.msgs[Default] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// T returns the text of key in lang, formatted with args (fmt verbs; use
// indexed verbs such as %[2]s when languages order arguments differently).
// An unknown key is returned as is, so a slip shows up on the page instead of
// an empty string; the catalogue test keeps that from reaching users.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Default]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Printer binds a catalogue to one language.
type Printer struct {
	c    *Catalog
	Lang Lang
}

// For returns a Printer for lang.
func (c *Catalog) For(lang Lang) Printer { return Printer{c: c, Lang: lang} }

// T is Catalog.T in the printer's language.
func (p Printer) T(key string, args ...any) string { return p.c.T(p.Lang, key, args...) }

// Has reports whether key exists in the catalogue.
func (p Printer) Has(key string) bool { return p.c.Has(key) }

// Label translates prefix+name when the catalogue has it, else returns name:
// for names that come from data (role names, statuses) and may be new.
func (p Printer) Label(prefix, name string) string {
	if p.c.Has(prefix + name) {
		return p.T(prefix + name)
	}
	return name
}
