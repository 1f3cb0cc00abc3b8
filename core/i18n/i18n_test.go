package i18n

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("keys missing: %v", m)
	}
	if len(c.Keys()) < 10 {
		t.Fatalf("catalogue has only %d keys", len(c.Keys()))
	}
}

// Every message must carry the same format verbs in both languages, or
// Sprintf prints %!s(MISSING) in one of them.
func TestCataloguesUseTheSameVerbs(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	verb := regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, v := range verb.FindAllString(s, -1) {
			m[v[len(v)-1:]]++
		}
		return m
	}
	for _, k := range c.Keys() {
		vi, en := count(c.msgs[VI][k]), count(c.msgs[EN][k])
		if len(vi) != len(en) {
			t.Errorf("%s: verbs differ: vi %v, en %v", k, vi, en)
			continue
		}
		for v, n := range vi {
			if en[v] != n {
				t.Errorf("%s: verbs differ: vi %v, en %v", k, vi, en)
			}
		}
		if strings.TrimSpace(c.msgs[VI][k]) == "" || strings.TrimSpace(c.msgs[EN][k]) == "" {
			t.Errorf("%s: empty message", k)
		}
	}
}

func TestLoadRejectsAMissingTranslation(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/vi.json": {Data: []byte(`{"a":"Một","b":"Hai"}`)},
		"messages/en.json": {Data: []byte(`{"a":"One"}`)},
	}
	_, err := LoadFS(fsys)
	if err == nil || !strings.Contains(err.Error(), "en:b") {
		t.Fatalf("want an error naming en:b, got %v", err)
	}
}

func TestTranslate(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/vi.json": {Data: []byte(`{"hello":"Xin chào %s","order":"%[2]s trước %[1]s"}`)},
		"messages/en.json": {Data: []byte(`{"hello":"Hello %s","order":"%[1]s before %[2]s"}`)},
	}
	c, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{VI, "hello", []any{"Lan"}, "Xin chào Lan"},
		{EN, "hello", []any{"Lan"}, "Hello Lan"},
		{VI, "order", []any{"A", "B"}, "B trước A"},
		{EN, "order", []any{"A", "B"}, "A before B"},
		{"fr", "hello", []any{"Lan"}, "Xin chào Lan"},
		{VI, "nope", nil, "nope"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	p := c.For(EN)
	if got := p.Label("role.", "planner"); got != "planner" {
		t.Errorf("Label of an unknown key = %q", got)
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"vi": VI, "en": EN, "EN-us": EN, "vi-VN,vi;q=0.9": VI, "": VI, "fr": VI} {
		if got := ParseLang(in); got != want {
			t.Errorf("ParseLang(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{Money(1500000), "1.500.000 đ"},
		{Money(0), "0 đ"},
		{Money(999), "999 đ"},
		{Money(1000), "1.000 đ"},
		{Money(-250000), "-250.000 đ"},
		{Money(-1000), "-1.000 đ"},
		{Int(123456789012), "123.456.789.012"},
		// 20:30 UTC on 31/12 is already 1 January in Vietnam.
		{Date(time.Date(2026, 12, 31, 20, 30, 0, 0, time.UTC)), "01/01/2027"},
		{Date(time.Date(2026, 3, 5, 1, 0, 0, 0, time.UTC)), "05/03/2026"},
		{DateTime(time.Date(2026, 3, 5, 1, 2, 0, 0, time.UTC)), "05/03/2026 08:02"},
		{Date(time.Time{}), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestParseMoneyAndDate(t *testing.T) {
	for in, want := range map[string]int64{"1.500.000": 1500000, "1,500,000 đ": 1500000, " 250 000 đồng": 250000, "0": 0} {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseMoney("mười nghìn"); err == nil {
		t.Error("ParseMoney accepted words")
	}
	d, err := ParseDate("5/3/2026")
	if err != nil || d != time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	if _, err := ParseDate("2026-03-05"); err == nil {
		t.Error("ParseDate accepted ISO order")
	}
}
