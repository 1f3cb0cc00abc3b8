// Package norms computes a class's budget lines from a table of cost norms
// (định mức chi) with effective dates, so that a province follows its own
// council's resolution; see ../examples/p79.yaml for the format.
package norms

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"doanbd/core"
)

// Book is the YAML document: norm tables, each in force for a date range.
type Book struct {
	FundingSource string  `yaml:"funding_source"`
	Tables        []Table `yaml:"norms"`
}

// Table is the set of norms in force from EffectiveFrom to EffectiveTo
// (inclusive; an empty end means "until replaced").
type Table struct {
	EffectiveFrom string `yaml:"effective_from"`
	EffectiveTo   string `yaml:"effective_to"`
	Basis         string `yaml:"basis"`
	DefaultRank   string `yaml:"default_rank"`
	Ranks         []struct {
		Code       string `yaml:"code"`
		Name       string `yaml:"name"`
		PerSession int64  `yaml:"per_session"`
	} `yaml:"lecturer_ranks"`
	PerDiem               int64 `yaml:"per_diem"`
	VenuePerDay           int64 `yaml:"venue_per_day"`
	DocumentsPerLearner   int64 `yaml:"documents_per_learner"`
	FieldTripPerLearner   int64 `yaml:"field_trip_per_learner"`
	CertificatePerLearner int64 `yaml:"certificate_per_learner"`
	ManagementPerDay      int64 `yaml:"management_per_day"`

	from, to time.Time
}

// FormatOnline is the class format that needs no venue and no meals.
const FormatOnline = "online"

const maxFileSize = 1 << 20

// Load reads a norms file relative to dir; absolute paths and paths leaving
// dir are refused (the name is a tenant setting).
func Load(dir, name string) (*Book, error) {
	if name == "" {
		return nil, errors.New("chưa cấu hình bảng định mức (thiết lập «table»)")
	}
	if filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return nil, fmt.Errorf("bảng định mức «%s» phải là đường dẫn tương đối trong thư mục dữ liệu của plugin", name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("không tìm thấy bảng định mức «%s»", name)
		}
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("bảng định mức «%s» quá lớn", name)
	}
	return Parse(b)
}

// Parse decodes and checks a norms document.
func Parse(b []byte) (*Book, error) {
	var bk Book
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&bk); err != nil {
		return nil, fmt.Errorf("bảng định mức không đúng định dạng YAML: %w", err)
	}
	if bk.FundingSource == "" {
		return nil, errors.New("bảng định mức thiếu nguồn kinh phí (funding_source)")
	}
	if len(bk.Tables) == 0 {
		return nil, errors.New("bảng định mức không có mục nào (norms)")
	}
	for i := range bk.Tables {
		t := &bk.Tables[i]
		var err error
		if t.from, err = time.Parse(time.DateOnly, t.EffectiveFrom); err != nil {
			return nil, fmt.Errorf("mục định mức thứ %d: ngày hiệu lực «%s» phải có dạng YYYY-MM-DD", i+1, t.EffectiveFrom)
		}
		if t.EffectiveTo != "" {
			if t.to, err = time.Parse(time.DateOnly, t.EffectiveTo); err != nil || t.to.Before(t.from) {
				return nil, fmt.Errorf("mục định mức thứ %d: ngày hết hiệu lực «%s» không hợp lệ", i+1, t.EffectiveTo)
			}
		}
		if len(t.Ranks) == 0 {
			return nil, fmt.Errorf("mục định mức thứ %d: chưa có mức thù lao giảng viên", i+1)
		}
		for _, v := range []int64{t.PerDiem, t.VenuePerDay, t.DocumentsPerLearner, t.FieldTripPerLearner, t.CertificatePerLearner, t.ManagementPerDay} {
			if v < 0 {
				return nil, fmt.Errorf("mục định mức thứ %d: mức chi không được âm", i+1)
			}
		}
	}
	return &bk, nil
}

// At returns the table in force on date.
func (bk *Book) At(date time.Time) (*Table, error) {
	d := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	var found *Table
	for i := range bk.Tables {
		t := &bk.Tables[i]
		if d.Before(t.from) || (!t.to.IsZero() && d.After(t.to)) {
			continue
		}
		if found == nil || t.from.After(found.from) {
			found = t // the most recent table wins where ranges overlap
		}
	}
	if found == nil {
		return nil, fmt.Errorf("không có định mức chi áp dụng cho ngày %s", d.Format("02/01/2006"))
	}
	return found, nil
}

// Lines computes the budget lines of one class.
func (bk *Book) Lines(r core.CostRequest) ([]core.CostLine, error) {
	if r.Learners <= 0 || r.Days <= 0 {
		return nil, errors.New("lớp cần có số học viên và số ngày lớn hơn 0")
	}
	t, err := bk.At(r.Date)
	if err != nil {
		return nil, err
	}
	rank := r.LecturerRank
	if rank == "" {
		rank = t.DefaultRank
	}
	var lecturer int64 = -1
	var rankName string
	var codes []string
	for _, rk := range t.Ranks {
		codes = append(codes, rk.Code)
		if rk.Code == rank {
			lecturer, rankName = rk.PerSession, rk.Name
		}
	}
	if lecturer < 0 {
		return nil, fmt.Errorf("hạng giảng viên «%s» không có trong bảng định mức (có: %s)", rank, strings.Join(codes, ", "))
	}
	sessions := int64(r.Sessions)
	if sessions <= 0 {
		sessions = 2 * int64(r.Days) // a morning and an afternoon session a day
	}
	learners, days := int64(r.Learners), int64(r.Days)
	var lines []core.CostLine
	add := func(item, desc string, qty int64, unit string, amount int64) {
		if qty <= 0 || amount <= 0 {
			return
		}
		lines = append(lines, core.CostLine{Item: item, Description: desc, Quantity: qty, Unit: unit,
			UnitAmount: amount, Amount: mul(qty, amount), FundingSource: bk.FundingSource})
	}
	add("lecturer", "Thù lao giảng viên, báo cáo viên ("+rankName+")", sessions, "buổi", lecturer)
	if r.Format != FormatOnline {
		add("per_diem", "Hỗ trợ tiền ăn cho học viên", learners*days, "người/ngày", t.PerDiem)
		add("venue", "Thuê hội trường, trang thiết bị", days, "ngày", t.VenuePerDay)
	}
	add("documents", "Tài liệu học tập", learners, "bộ", t.DocumentsPerLearner)
	if r.FieldTrip {
		add("field_trip", "Nghiên cứu thực tế", learners, "người", t.FieldTripPerLearner)
	}
	add("certificates", "In giấy chứng nhận hoàn thành khóa bồi dưỡng", learners, "giấy", t.CertificatePerLearner)
	add("management", "Chi quản lý, phục vụ lớp học", days, "ngày", t.ManagementPerDay)
	return lines, nil
}

// mul multiplies, saturating instead of overflowing (absurd inputs must not
// wrap round to plausible-looking amounts).
func mul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}
