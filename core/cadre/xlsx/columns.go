// Package xlsx reads and writes the roster's spreadsheets with excelize: the
// import template (Vietnamese headers, drop-down lists), a streaming reader
// that finds the header row of whatever workbook a user uploads (merged or
// two-row headers, title banners, numbering rows) and maps its columns to
// cadre fields, and streaming XLSX / CSV writers for exports.
package xlsx

import (
	"strings"

	"doanbd/core/cadre"
	"doanbd/core/vntext"
)

// Column is one column of the roster spreadsheet.
type Column struct {
	Field string
	// Header is written in the template and the export.
	Header string
	// Label names the column in problem messages ("cột Số CCCD").
	Label string
	Width float64
	// Aliases are other headers people use for the column (any case,
	// with or without diacritics).
	Aliases []string
}

// FieldSTT is the row-number column: written, never read.
const FieldSTT = "stt"

// Columns is the roster layout, in template order.
var Columns = []Column{
	{FieldSTT, "STT", "STT", 6, []string{"so thu tu", "tt"}},
	{cadre.FFullName, "Họ và tên", "Họ và tên", 28, []string{"ho ten", "ho va ten can bo", "ho ten day du", "ten can bo"}},
	{cadre.FBirthDate, "Ngày sinh (dd/mm/yyyy)", "Ngày sinh", 14, []string{"ngay sinh", "ngay thang nam sinh", "sinh ngay"}},
	{cadre.FGender, "Giới tính", "Giới tính", 10, []string{"gioi tinh", "nam nu", "gioi"}},
	{cadre.FEthnicity, "Dân tộc", "Dân tộc", 12, nil},
	{cadre.FReligion, "Tôn giáo", "Tôn giáo", 12, nil},
	{cadre.FCCCD, "Số CCCD", "Số CCCD", 16, []string{"cccd", "so can cuoc cong dan", "can cuoc cong dan", "so dinh danh ca nhan", "so can cuoc", "so cccd cmnd", "cccd cmnd"}},
	{cadre.FPhone, "Số điện thoại", "Số điện thoại", 15, []string{"dien thoai", "sdt", "so dt", "dien thoai di dong"}},
	{cadre.FEmail, "Email", "Email", 26, []string{"thu dien tu", "e mail", "dia chi email"}},
	{cadre.FUnit, "Đơn vị", "Đơn vị", 34, []string{"ma don vi", "don vi cong tac", "co so doan", "ten don vi"}},
	{cadre.FTitle, "Chức danh", "Chức danh", 30, []string{"chuc vu", "chuc danh hien nay"}},
	{cadre.FEmployment, "Chế độ công tác", "Chế độ công tác", 18, []string{"hinh thuc", "hinh thuc cong tac", "che do", "loai can bo"}},
	{cadre.FSince, "Ngày giữ chức danh (dd/mm/yyyy)", "Ngày giữ chức danh", 16, []string{"ngay bo nhiem", "giu chuc danh tu ngay", "ngay nhan chuc danh"}},
	{cadre.FPlanTitle, "Quy hoạch chức danh", "Quy hoạch chức danh", 30, []string{"quy hoach", "chuc danh quy hoach"}},
	{cadre.FPlanSince, "Ngày vào quy hoạch (dd/mm/yyyy)", "Ngày vào quy hoạch", 16, []string{"quy hoach tu ngay", "quy hoach ngay", "ngay quy hoach"}},
}

// ColumnOf returns the column of a field.
func ColumnOf(field string) (Column, bool) {
	for _, c := range Columns {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}

// headerIndex maps the search form of every known header to its field.
var headerIndex = func() map[string]string {
	m := map[string]string{}
	for _, c := range Columns {
		m[headerForm(c.Header)] = c.Field
		m[headerForm(c.Label)] = c.Field
		for _, a := range c.Aliases {
			m[headerForm(a)] = c.Field
		}
	}
	return m
}()

// headerForm is how header texts are compared: parenthesised hints
// ("(dd/mm/yyyy)", "(*)") dropped, then folded words.
func headerForm(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case (r == ')' || r == ']') && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return vntext.SearchForm(b.String())
}

// matchHeader returns the field a header text names, if any.
func matchHeader(s string) (string, bool) {
	f, ok := headerIndex[headerForm(s)]
	return f, ok
}
