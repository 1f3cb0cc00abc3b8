package cadre

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"doanbd/core"
	"doanbd/core/vntext"
)

// Field names, as in the JSON API; the import maps its columns onto them.
const (
	FFullName   = "full_name"
	FBirthDate  = "birth_date"
	FGender     = "gender"
	FEthnicity  = "ethnicity"
	FReligion   = "religion"
	FCCCD       = "cccd"
	FPhone      = "phone"
	FEmail      = "email"
	FUnit       = "unit_id"
	FTitle      = "title"
	FEmployment = "employment"
	FSince      = "position_since"
	FPlanTitle  = "planning_title"
	FPlanSince  = "planning_since"
)

// Problem is one thing wrong (or, with Warning, doubtful) in a field.
// Message is Vietnamese, written to follow "cột <tên cột>: ".
type Problem struct {
	Field   string
	Message string
	Warning bool
}

// CadreInput is what a user types to create or update a cadre. The sensitive
// fields are pointers: on update, nil keeps the stored value (clients never
// see it unless they read it separately), "" clears it.
type CadreInput struct {
	FullName      string  `json:"full_name"`
	BirthDate     Date    `json:"birth_date"`
	Gender        string  `json:"gender"`
	Ethnicity     *string `json:"ethnicity,omitempty"`
	Religion      *string `json:"religion,omitempty"`
	CCCD          *string `json:"cccd,omitempty"`
	Phone         string  `json:"phone"`
	Email         string  `json:"email"`
	UnitID        string  `json:"unit_id"`
	Title         string  `json:"title"`
	Employment    string  `json:"employment"`
	PositionSince Date    `json:"position_since"`
}

// Normalize cleans every text (NFC, spaces) and turns labels into codes and
// phone numbers into +84 form where it can; Validate reports what is left.
func (in *CadreInput) Normalize() {
	in.FullName = vntext.Clean(in.FullName)
	if g, ok := ParseChoice(Genders, in.Gender); ok {
		in.Gender = g
	}
	if e, ok := ParseChoice(Employments, in.Employment); ok {
		in.Employment = e
	}
	for _, p := range []*string{in.Ethnicity, in.Religion} {
		if p != nil {
			*p = vntext.Clean(*p)
		}
	}
	if in.CCCD != nil {
		*in.CCCD = CleanCCCD(*in.CCCD)
	}
	if p, ok := NormalizePhone(in.Phone); ok {
		in.Phone = p
	} else {
		in.Phone = strings.TrimSpace(in.Phone)
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.UnitID = strings.TrimSpace(in.UnitID)
	in.Title = strings.TrimSpace(in.Title)
}

// Validate checks a normalised input. Unit existence is the store's business.
func (in *CadreInput) Validate(titles *Titles, today Date) []Problem {
	var ps []Problem
	add := func(f, m string) { ps = append(ps, Problem{Field: f, Message: m}) }
	switch {
	case in.FullName == "":
		add(FFullName, "không được để trống")
	case utf8.RuneCountInString(in.FullName) > 120:
		add(FFullName, "dài quá 120 ký tự")
	case !hasLetter(in.FullName):
		add(FFullName, "phải có chữ cái")
	}
	switch {
	case in.BirthDate.IsZero():
		add(FBirthDate, "không được để trống")
	case in.BirthDate.Time().Year() < 1920 || in.BirthDate.After(today.shift(-14)):
		add(FBirthDate, "không hợp lệ (cán bộ phải từ 14 tuổi trở lên)")
	}
	if !Valid(Genders, in.Gender) {
		if in.Gender == "" {
			add(FGender, "không được để trống")
		} else {
			add(FGender, "phải là Nam, Nữ hoặc Khác")
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{FEthnicity, in.Ethnicity}, {FReligion, in.Religion}} {
		if f.v != nil && utf8.RuneCountInString(*f.v) > 50 {
			add(f.name, "dài quá 50 ký tự")
		}
	}
	if in.CCCD != nil && *in.CCCD != "" {
		ps = append(ps, CheckCCCD(*in.CCCD, in.BirthDate, in.Gender)...)
	}
	if in.Phone != "" && !phoneOK(in.Phone) {
		add(FPhone, "không đúng định dạng số điện thoại Việt Nam (ví dụ 0912345678)")
	}
	if in.Email != "" && !EmailOK(in.Email) {
		add(FEmail, "không đúng định dạng thư điện tử")
	}
	if in.UnitID == "" {
		add(FUnit, "không được để trống")
	}
	if in.Title != "" {
		if _, ok := titles.ByCode(in.Title); !ok {
			add(FTitle, "không có trong danh mục chức danh")
		}
	}
	if !Valid(Employments, in.Employment) {
		if in.Employment == "" {
			add(FEmployment, "không được để trống")
		} else {
			add(FEmployment, "phải là Chuyên trách, Bán chuyên trách hoặc Kiêm nhiệm")
		}
	}
	if !in.PositionSince.IsZero() && in.PositionSince.After(today) {
		add(FSince, "không được sau ngày hôm nay")
	}
	return ps
}

func (d Date) shift(years int) Date { return Date{d.t.AddDate(years, 0, 0)} }

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// ParseChoice matches s against the codes and the labels (ignoring case and
// diacritics) of cs: "Nữ", "nu" and "NU" are all Female.
func ParseChoice(cs []Choice, s string) (string, bool) {
	for _, c := range cs { // codes as they are: the common case, no folding
		if s == c.Code {
			return c.Code, true
		}
	}
	f := vntext.Fold(s)
	if f == "" {
		return "", false
	}
	for _, c := range cs {
		if f == c.Code || f == foldedLabel(c.Label) || strings.ReplaceAll(f, " ", "_") == c.Code {
			return c.Code, true
		}
	}
	return "", false
}

// foldedLabels caches the folded labels of the fixed choice lists (Levels,
// Employments, Genders, …); it is filled once at start-up and only read.
var foldedLabels = func() map[string]string {
	m := map[string]string{}
	for _, cs := range [][]Choice{Levels, Employments, Genders, Statuses, PositionKinds} {
		for _, c := range cs {
			m[c.Label] = vntext.Fold(c.Label)
		}
	}
	return m
}()

func foldedLabel(l string) string {
	if f, ok := foldedLabels[l]; ok {
		return f
	}
	return vntext.Fold(l)
}

var cccdJunk = strings.NewReplacer(" ", "", ".", "", "-", "")

// CleanCCCD keeps the digits of a citizen id typed with spaces or dots.
func CleanCCCD(s string) string { return cccdJunk.Replace(strings.TrimSpace(s)) }

var digits12 = regexp.MustCompile(`^\d{12}$`)

// CheckCCCD checks a cleaned CCCD: exactly 12 digits (an error), and, as a
// soft check only (a warning), that its structure agrees with the birth date
// and gender: province code 001–096, then a digit for century and gender,
// then the last two digits of the birth year.
func CheckCCCD(c string, birth Date, gender string) []Problem {
	if !digits12.MatchString(c) {
		return []Problem{{Field: FCCCD, Message: "phải có 12 chữ số"}}
	}
	prov, _ := strconv.Atoi(c[:3])
	if prov < 1 || prov > 96 {
		return []Problem{{Field: FCCCD, Message: "mã tỉnh (3 chữ số đầu) không có thật, hãy kiểm tra lại", Warning: true}}
	}
	if birth.IsZero() || (gender != Male && gender != Female) {
		return nil
	}
	y := birth.Time().Year()
	g := int(c[3] - '0')
	want := (y/100-19)*2 + map[string]int{Male: 0, Female: 1}[gender]
	if y < 1900 || g != want || c[4:6] != strconv.Itoa(y)[2:] {
		return []Problem{{Field: FCCCD, Message: "không khớp với ngày sinh hoặc giới tính, hãy kiểm tra lại", Warning: true}}
	}
	return nil
}

var (
	phoneMobile = regexp.MustCompile(`^(0|\+84)(3|5|7|8|9)\d{8}$`)
	phoneFixed  = regexp.MustCompile(`^(0|\+84)2\d{9}$`)
)

func phoneOK(p string) bool { return phoneMobile.MatchString(p) || phoneFixed.MatchString(p) }

// NormalizePhone returns a Vietnamese phone number in +84 form: 0912 345 678,
// (091) 234-5678, 84912345678 and +84 912345678 all become +84912345678. A
// nine-digit number starting with a mobile prefix is taken as a mobile
// number whose leading 0 a spreadsheet dropped. ok is false for anything
// that is not a Vietnamese mobile or landline number.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	var rest string
	switch {
	case strings.HasPrefix(d, "+84"):
		rest = d[3:]
	case strings.HasPrefix(d, "84") && len(d) == 11:
		rest = d[2:]
	case strings.HasPrefix(d, "0"):
		rest = d[1:]
	case len(d) == 9:
		rest = d
	default:
		return "", false
	}
	p := "+84" + rest
	if !phoneOK(p) {
		return "", false
	}
	return p, true
}

// EmailOK reports a bare e-mail address (no display name).
func EmailOK(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// AsInvalid turns validation problems into an EINVALID error with field
// details (warnings are left out: they do not stop a save).
func AsInvalid(ps []Problem) error {
	var fs []core.FieldError
	for _, p := range ps {
		if !p.Warning {
			fs = append(fs, core.FieldError{Field: p.Field, Message: p.Message})
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return core.Invalid("Dữ liệu cán bộ chưa hợp lệ.", fs...)
}

// UnitInput is what a user types to create or update a unit.
type UnitInput struct {
	ParentID      string `json:"parent_id"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	Level         string `json:"level"`
	DifficultArea bool   `json:"difficult_area"`
	SpecialArea   bool   `json:"special_area"`
	SecurityArea  bool   `json:"security_area"`
	ValidFrom     Date   `json:"valid_from"`
	ValidTo       Date   `json:"valid_to"`
}

var unitCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// Normalize cleans the texts.
func (in *UnitInput) Normalize() {
	in.ParentID = strings.TrimSpace(in.ParentID)
	in.Code = strings.TrimSpace(in.Code)
	in.Name = vntext.Clean(in.Name)
	if l, ok := ParseChoice(Levels, in.Level); ok {
		in.Level = l
	}
}

// Validate checks a normalised unit. The parent's existence and level are
// checked by the store (LevelBelow).
func (in *UnitInput) Validate() []Problem {
	var ps []Problem
	add := func(f, m string) { ps = append(ps, Problem{Field: f, Message: m}) }
	if !unitCode.MatchString(in.Code) {
		add("code", "gồm 1–40 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới")
	}
	if in.Name == "" {
		add("name", "không được để trống")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		add("name", "dài quá 200 ký tự")
	}
	if !Valid(Levels, in.Level) {
		add("level", "phải là một trong: tw, tinh, huyen, co_so, chi_doan")
	}
	if !in.ValidFrom.IsZero() && !in.ValidTo.IsZero() && in.ValidTo.Before(in.ValidFrom) {
		add("valid_to", "không được trước ngày bắt đầu")
	}
	return ps
}

// LevelBelow reports whether a unit of level child may sit under a unit of
// level parent: strictly lower in the tree (a commune union may sit directly
// under the province since the district level was removed).
func LevelBelow(child, parent string) bool {
	rank := func(l string) int {
		for i, c := range Levels {
			if c.Code == l {
				return i
			}
		}
		return -1
	}
	return rank(child) > rank(parent) && rank(parent) >= 0
}
