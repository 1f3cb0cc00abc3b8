package xlsx

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"doanbd/core/cadre"
)

// Sheet names of the template.
const (
	SheetCadres = "Cán bộ"
	SheetLists  = "Danh mục"
	SheetHelp   = "Hướng dẫn"
)

// templateRows is how far down the drop-down lists reach.
const templateRows = 100001

// TemplateData fills the drop-down lists of the template.
type TemplateData struct {
	Titles []cadre.Title
	Units  []cadre.Unit // open units only
}

// UnitChoice is how a unit appears in the template's list; the reader takes
// the code before " - ".
func UnitChoice(u cadre.Unit) string { return u.Code + " - " + u.Name }

// Template writes the import template: the roster sheet with Vietnamese
// headers, text-formatted CCCD and phone columns, date columns as
// dd/mm/yyyy and drop-down lists (gender, employment, titles, units) fed
// from a hidden sheet, and a sheet of instructions.
func Template(w io.Writer, d TemplateData) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetCadres); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	})
	if err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep leading zeros
	if err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	if err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	colOf := map[string]string{}
	for i, c := range Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		colOf[c.Field] = name
		if err := f.SetCellStr(SheetCadres, name+"1", c.Header); err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
		if err := f.SetColWidth(SheetCadres, name, name, c.Width); err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
		switch c.Field {
		case cadre.FCCCD, cadre.FPhone:
			err = f.SetColStyle(SheetCadres, name, text)
		case cadre.FBirthDate, cadre.FSince, cadre.FPlanSince:
			err = f.SetColStyle(SheetCadres, name, date)
		}
		if err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
	}
	last, _ := excelize.ColumnNumberToName(len(Columns))
	if err := f.SetCellStyle(SheetCadres, "A1", last+"1", header); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	if err := f.SetRowHeight(SheetCadres, 1, 32); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	if err := f.SetPanes(SheetCadres, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	if err := writeLists(f, d, colOf); err != nil {
		return err
	}
	if err := writeHelp(f); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx template: write: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// writeLists fills the hidden list sheet and attaches the drop-downs.
func writeLists(f *excelize.File, d TemplateData, colOf map[string]string) error {
	if _, err := f.NewSheet(SheetLists); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	var titles, keyTitles, units, genders, emps []string
	for _, t := range d.Titles {
		titles = append(titles, t.Name)
		if t.Key {
			keyTitles = append(keyTitles, t.Name)
		}
	}
	for _, u := range d.Units {
		units = append(units, UnitChoice(u))
	}
	for _, c := range cadre.Genders {
		genders = append(genders, c.Label)
	}
	for _, c := range cadre.Employments {
		emps = append(emps, c.Label)
	}
	lists := []struct {
		col, field, title string
		values            []string
		stop              bool
	}{
		{"A", cadre.FGender, "Giới tính", genders, true},
		{"B", cadre.FEmployment, "Chế độ công tác", emps, true},
		{"C", cadre.FTitle, "Chức danh", titles, false},
		{"D", cadre.FUnit, "Đơn vị", units, false},
		{"E", cadre.FPlanTitle, "Quy hoạch chức danh", keyTitles, true},
	}
	for _, l := range lists {
		if err := f.SetCellStr(SheetLists, l.col+"1", l.title); err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
		for i, v := range l.values {
			if err := f.SetCellStr(SheetLists, fmt.Sprintf("%s%d", l.col, i+2), v); err != nil {
				return fmt.Errorf("xlsx template: %w", err)
			}
		}
		if len(l.values) == 0 {
			continue
		}
		col := colOf[l.field]
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", SheetLists, l.col, l.col, len(l.values)+1))
		if l.stop {
			dv.SetError(excelize.DataValidationErrorStyleStop, "Giá trị không hợp lệ", "Hãy chọn một giá trị trong danh sách.")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleWarning, "Giá trị không có trong danh sách",
				"Giá trị này không có trong danh mục; hệ thống sẽ báo lỗi khi nhập nếu không tìm thấy.")
		}
		if err := f.AddDataValidation(SheetCadres, dv); err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
	}
	if err := f.SetSheetVisible(SheetLists, false); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	return nil
}

var helpLines = []string{
	"HƯỚNG DẪN NHẬP DANH SÁCH CÁN BỘ ĐOÀN",
	"1. Mỗi dòng của trang \"Cán bộ\" là một cán bộ; không sửa dòng tiêu đề. Dòng trống được bỏ qua.",
	"2. Bắt buộc: Họ và tên, Ngày sinh, Giới tính, Đơn vị, Chế độ công tác.",
	"3. Ngày nhập theo dạng dd/mm/yyyy (ví dụ 05/03/1995) hoặc định dạng ngày của Excel.",
	"4. Số CCCD gồm đúng 12 chữ số; cột đã để dạng văn bản để giữ số 0 ở đầu.",
	"5. Số điện thoại di động Việt Nam, ví dụ 0912345678; hệ thống lưu dạng +84912345678.",
	"6. Đơn vị: chọn trong danh sách hoặc ghi mã đơn vị. Chức danh, chế độ công tác: chọn trong danh sách.",
	"7. Quy hoạch chức danh (nếu có) phải là chức danh chủ chốt, kèm ngày vào quy hoạch.",
	"8. Sau khi tải lên, hệ thống liệt kê mọi lỗi theo dòng và cột; bạn có thể ghi tất cả (khi không còn lỗi) hoặc chỉ các dòng hợp lệ.",
}

func writeHelp(f *excelize.File) error {
	if _, err := f.NewSheet(SheetHelp); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	for i, l := range helpLines {
		if err := f.SetCellStr(SheetHelp, fmt.Sprintf("A%d", i+1), l); err != nil {
			return fmt.Errorf("xlsx template: %w", err)
		}
	}
	if err := f.SetColWidth(SheetHelp, "A", "A", 120); err != nil {
		return fmt.Errorf("xlsx template: %w", err)
	}
	return nil
}
