package importer

import (
	"regexp"
	"strconv"
	"strings"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/xlsx"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// rowParser turns spreadsheet rows into staged rows and problems. It keeps
// the CCCDs seen so far (as keyed hashes) to report duplicates inside the
// file: memory grows with the number of rows, bounded by Options.MaxRows.
type rowParser struct {
	tenant, importID string
	roster           *roster.Service
	units            *roster.UnitLookup
	rd               *xlsx.Reader
	today            cadre.Date
	seen             map[string]int // CCCD hash → first row
}

// parsedRow is one row's result.
type parsedRow struct {
	staged   stagedRow
	problems []problemRow
}

func (pr *parsedRow) add(field, msg string, warning bool) {
	col, _ := xlsx.ColumnOf(field)
	sev := SeverityError
	if warning {
		sev = SeverityWarning
	} else {
		pr.staged.Valid = false
	}
	pr.problems = append(pr.problems, problemRow{RowNo: pr.staged.RowNo, Column: col.Label, Field: field, Severity: sev, Message: msg})
}

func (pr *parsedRow) hasError(field string) bool {
	for _, p := range pr.problems {
		if p.Field == field && p.Severity == SeverityError {
			return true
		}
	}
	return false
}

var sciNumber = regexp.MustCompile(`^\d+(\.\d+)?[eE]\+?\d+$`)

// digitsCell undoes what a number cell does to a long number: 7.9095E+10
// (scientific notation) and 912345678.0.
func digitsCell(s string) string {
	if sciNumber.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', 0, 64)
		}
	}
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" && whole != "" {
		if _, err := strconv.ParseUint(whole, 10, 64); err == nil {
			return whole
		}
	}
	return s
}

func (p *rowParser) parse(r xlsx.Row) parsedRow {
	out := parsedRow{staged: stagedRow{TenantID: p.tenant, ImportID: p.importID, RowNo: r.No, Valid: true}}
	v := r.Values
	reported := map[string]bool{}
	bad := func(field, msg string) {
		out.add(field, msg, false)
		reported[field] = true
	}
	date := func(field string) cadre.Date {
		s := v[field]
		if s == "" {
			return cadre.Date{}
		}
		d, ok := p.rd.Date(s)
		if !ok {
			bad(field, "không đúng dạng ngày dd/mm/yyyy")
		}
		return d
	}
	for _, field := range r.Uncomputed {
		bad(field, "ô có công thức chưa được tính: hãy mở tệp bằng Excel, lưu lại rồi tải lên lần nữa")
	}
	opt := func(field string) *string {
		s := vntext.Clean(v[field])
		return &s
	}
	in := cadre.CadreInput{
		FullName:   v[cadre.FFullName],
		BirthDate:  date(cadre.FBirthDate),
		Gender:     v[cadre.FGender],
		Ethnicity:  opt(cadre.FEthnicity),
		Religion:   opt(cadre.FReligion),
		Phone:      digitsCell(v[cadre.FPhone]),
		Email:      v[cadre.FEmail],
		Employment: v[cadre.FEmployment],
	}
	cccd := cadre.CleanCCCD(digitsCell(v[cadre.FCCCD]))
	in.CCCD = &cccd
	in.PositionSince = date(cadre.FSince)
	if s := v[cadre.FUnit]; s != "" {
		switch u, ok, ambiguous := p.units.Find(s); {
		case ambiguous:
			bad(cadre.FUnit, "tên đơn vị trùng với nhiều đơn vị, hãy ghi mã đơn vị")
		case !ok:
			bad(cadre.FUnit, "không có đơn vị này trong danh mục đơn vị")
		case !u.ValidTo.IsZero() && u.ValidTo.Before(p.today):
			bad(cadre.FUnit, "đơn vị đã ngừng hoạt động từ "+u.ValidTo.VN())
		default:
			in.UnitID = u.ID
		}
	}
	titles := p.roster.Titles()
	if s := v[cadre.FTitle]; s != "" {
		if t, ok := titles.Match(s); ok {
			in.Title = t.Code
		} else {
			bad(cadre.FTitle, "không có trong danh mục chức danh")
		}
	}
	planTitle, planSince := "", date(cadre.FPlanSince)
	if s := v[cadre.FPlanTitle]; s != "" {
		if t, ok := titles.Match(s); !ok || !t.Key {
			bad(cadre.FPlanTitle, "phải là một chức danh chủ chốt trong danh mục")
		} else {
			planTitle = t.Code
			if planSince.IsZero() && !reported[cadre.FPlanSince] {
				bad(cadre.FPlanSince, "cần ghi ngày vào quy hoạch")
			}
		}
	} else if !planSince.IsZero() {
		bad(cadre.FPlanTitle, "cần ghi chức danh quy hoạch khi có ngày vào quy hoạch")
	}
	if !planSince.IsZero() && planSince.After(p.today) {
		bad(cadre.FPlanSince, "không được sau ngày hôm nay")
	}
	in.Normalize()
	for _, pb := range in.Validate(titles, p.today) {
		if reported[pb.Field] || (pb.Field == cadre.FUnit && v[cadre.FUnit] != "") {
			continue
		}
		out.add(pb.Field, pb.Message, pb.Warning)
	}
	id := sqldb.NewID()
	prep := p.roster.Prepare(id, &in)
	if prep.CCCDHash != "" && !out.hasError(cadre.FCCCD) {
		if first, dup := p.seen[prep.CCCDHash]; dup {
			out.add(cadre.FCCCD, "trùng Số CCCD với dòng "+strconv.Itoa(first), false)
		} else {
			p.seen[prep.CCCDHash] = r.No
		}
	}
	s := &out.staged
	s.CadreID, s.FullName, s.NameFold, s.SortKey = id, prep.FullName, prep.NameFold, prep.SortKey
	s.BirthDate, s.Gender, s.Phone, s.Email = prep.BirthDate, prep.Gender, prep.Phone, prep.Email
	s.UnitID, s.Title, s.Employment = prep.UnitID, prep.Title, prep.Employment
	s.CCCDEnc, s.CCCDHash, s.EthnicityEnc, s.ReligionEnc = prep.CCCDEnc, prep.CCCDHash, prep.EthnicityEnc, prep.ReligionEnc
	s.PositionID, s.PositionSince = sqldb.NewID(), in.PositionSince
	if planTitle != "" {
		s.PlanningID, s.PlanningTitle, s.PlanningSince = sqldb.NewID(), planTitle, planSince
	}
	return out
}
