// Package catalog reads a tenant's local programmes from a YAML file; see
// ../examples/p79.yaml for the format.
package catalog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"doanbd/core"
)

// File is the YAML document.
type File struct {
	Programs []Program `yaml:"programs"`
}

// Program is one local programme as written in the file.
type Program struct {
	Code     string `yaml:"code"`
	Name     string `yaml:"name"`
	Audience struct {
		Titles     []string `yaml:"titles"`
		Levels     []string `yaml:"levels"`
		Employment []string `yaml:"employment"`
	} `yaml:"audience"`
	Modules []struct {
		Code  string `yaml:"code"`
		Name  string `yaml:"name"`
		Hours int    `yaml:"hours"`
	} `yaml:"modules"`
}

// maxFileSize bounds what a tenant-supplied file may make the plugin read.
const maxFileSize = 4 << 20

// Load reads the file at name, relative to dir. Absolute names and names that
// leave dir are refused: the setting comes from a tenant administrator and
// must not reach other files of the machine.
func Load(dir, name string) ([]core.LocalProgram, error) {
	if name == "" {
		return nil, errors.New("chưa cấu hình tệp chương trình (thiết lập «file»)")
	}
	if filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return nil, fmt.Errorf("tệp «%s» phải là đường dẫn tương đối trong thư mục dữ liệu của plugin", name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("không tìm thấy tệp «%s»", name)
		}
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("tệp «%s» lớn hơn %d MB", name, maxFileSize>>20)
	}
	return Parse(b)
}

// Parse decodes and checks a programme file. Messages are Vietnamese: they
// reach the tenant administrator who wrote the file.
func Parse(b []byte) ([]core.LocalProgram, error) {
	var doc File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("tệp chương trình không đúng định dạng YAML: %w", err)
	}
	seen := map[string]bool{}
	out := make([]core.LocalProgram, 0, len(doc.Programs))
	for i, p := range doc.Programs {
		where := fmt.Sprintf("chương trình thứ %d", i+1)
		switch {
		case strings.TrimSpace(p.Code) == "":
			return nil, fmt.Errorf("%s: thiếu mã (code)", where)
		case strings.TrimSpace(p.Name) == "":
			return nil, fmt.Errorf("%s (%s): thiếu tên (name)", where, p.Code)
		case seen[p.Code]:
			return nil, fmt.Errorf("%s: mã «%s» bị trùng", where, p.Code)
		case len(p.Modules) == 0:
			return nil, fmt.Errorf("%s (%s): chưa có chuyên đề nào (modules)", where, p.Code)
		}
		seen[p.Code] = true
		lp := core.LocalProgram{Code: p.Code, Name: p.Name, Audience: core.LocalAudience{
			Titles: p.Audience.Titles, Levels: p.Audience.Levels, Employment: p.Audience.Employment}}
		for j, m := range p.Modules {
			if strings.TrimSpace(m.Name) == "" || m.Hours <= 0 {
				return nil, fmt.Errorf("%s (%s), chuyên đề thứ %d: cần có tên và số giờ lớn hơn 0", where, p.Code, j+1)
			}
			lp.Modules = append(lp.Modules, core.LocalModule{Code: m.Code, Name: m.Name, Hours: m.Hours})
		}
		out = append(out, lp)
	}
	return out, nil
}
