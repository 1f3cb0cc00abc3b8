package cadre

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"doanbd/core/vntext"
)

// Title is a union title (chức danh) from the seed catalogue
// (configs/seed/programs.yaml, list "titles"). Key titles are the ones with a
// planning pool (quy hoạch chức danh chủ chốt).
type Title struct {
	Code  string `yaml:"code" json:"code"`
	Name  string `yaml:"name" json:"name"`
	Level string `yaml:"level" json:"level"`
	Key   bool   `yaml:"key" json:"key"`
}

// Titles is the catalogue of titles, looked up by code or by name typed with
// or without diacritics.
type Titles struct {
	list   []Title
	byCode map[string]int
	byName map[string]int
}

// NewTitles builds a catalogue; codes must be unique.
func NewTitles(ts []Title) (*Titles, error) {
	c := &Titles{byCode: map[string]int{}, byName: map[string]int{}}
	for _, t := range ts {
		if t.Code == "" || t.Name == "" {
			return nil, fmt.Errorf("title without code or name: %+v", t)
		}
		if _, dup := c.byCode[t.Code]; dup {
			return nil, fmt.Errorf("title %s listed twice", t.Code)
		}
		t.Name = vntext.Clean(t.Name)
		c.byCode[t.Code] = len(c.list)
		c.byName[vntext.Fold(t.Name)] = len(c.list)
		c.list = append(c.list, t)
	}
	return c, nil
}

// LoadTitles reads the "titles" list of a seed catalogue file. Other keys of
// the file (the programmes) belong to the programme catalogue and are ignored.
func LoadTitles(yamlDoc []byte) (*Titles, error) {
	var doc struct {
		Titles []Title `yaml:"titles"`
	}
	if err := yaml.Unmarshal(yamlDoc, &doc); err != nil {
		return nil, fmt.Errorf("read titles: %w", err)
	}
	if len(doc.Titles) == 0 {
		return nil, fmt.Errorf("read titles: the file has no titles list")
	}
	return NewTitles(doc.Titles)
}

// All returns the titles in catalogue order.
func (c *Titles) All() []Title { return append([]Title(nil), c.list...) }

// ByCode returns the title with code.
func (c *Titles) ByCode(code string) (Title, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return Title{}, false
	}
	return c.list[i], true
}

// Match finds a title by its code or its name, ignoring case and diacritics.
func (c *Titles) Match(s string) (Title, bool) {
	if t, ok := c.ByCode(s); ok {
		return t, true
	}
	i, ok := c.byName[vntext.Fold(s)]
	if !ok {
		return Title{}, false
	}
	return c.list[i], true
}

// Name returns the Vietnamese name of code, or code when unknown.
func (c *Titles) Name(code string) string {
	if t, ok := c.ByCode(code); ok {
		return t.Name
	}
	return code
}
