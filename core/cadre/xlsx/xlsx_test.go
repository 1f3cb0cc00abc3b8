package xlsx_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"doanbd/core/cadre"
	"doanbd/core/cadre/xlsx"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// messy builds a workbook the way provinces send them: a title banner, a
// two-row header with merged cells and a merged group, a row of column
// numbers, blank rows, an NFD name, a date as a serial number and one as
// text, and a formula whose cached value is a date serial.
func messy(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	set := func(cell string, v any) { must(t, f.SetCellValue(sh, cell, v)) }
	merge := func(a, b string) { must(t, f.MergeCell(sh, a, b)) }
	set("A1", "DANH SÁCH CÁN BỘ ĐOÀN NĂM 2026")
	merge("A1", "K1")
	set("A2", "Đơn vị: Tỉnh đoàn")
	for _, h := range []struct{ col, text string }{
		{"A", "TT"}, {"B", "Họ và tên (*)"}, {"C", "Ngày sinh"}, {"D", "Giới tính"}, {"E", "Số CCCD"},
		{"F", "Điện thoại"}, {"G", "Đơn vị"}, {"H", "Chức vụ"}, {"I", "Chế độ công tác"},
	} {
		set(h.col+"3", h.text)
		merge(h.col+"3", h.col+"4")
	}
	set("J3", "Quy hoạch")
	merge("J3", "K3")
	set("J4", "Chức danh")
	set("K4", "Từ ngày")
	for i := 0; i < 11; i++ {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(col+"5", "("+string(rune('1'+i%9))+")")
	}
	set("A6", 1)
	set("B6", norm.NFD.String("Nguyễn Văn Đức"))
	set("C6", 34773) // 15/03/1995
	set("D6", "Nam")
	set("E6", "079095012345")
	set("J6", "Bí thư Đoàn cấp huyện")
	set("K6", "01/02/2024")
	// rows 7 and 8 blank
	set("A9", 2)
	set("B9", "Trần Thị Bé")
	set("C9", 36000)
	must(t, f.SetCellFormula(sh, "C9", "DATE(1998,7,24)"))
	set("D9", "Nữ")
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

func TestReaderMessyHeader(t *testing.T) {
	rd, err := xlsx.Open(bytes.NewReader(messy(t)))
	must(t, err)
	defer rd.Close()
	if rd.HeaderRow() != 5 {
		t.Errorf("header row = %d, want 5 (the numbering row closes the header)", rd.HeaderRow())
	}
	want := []string{cadre.FFullName, cadre.FBirthDate, cadre.FGender, cadre.FCCCD, cadre.FPhone, cadre.FUnit,
		cadre.FTitle, cadre.FEmployment, cadre.FPlanTitle, cadre.FPlanSince}
	if got := rd.Fields(); !slices.Equal(got, want) {
		t.Errorf("fields = %v\nwant %v", got, want)
	}
	var rows []xlsx.Row
	for {
		r, ok, err := rd.Next()
		must(t, err)
		if !ok {
			break
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].No != 6 || rows[1].No != 9 {
		t.Fatalf("rows = %+v", rows)
	}
	r := rows[0].Values
	if r[cadre.FFullName] != norm.NFD.String("Nguyễn Văn Đức") || r[cadre.FPlanTitle] != "Bí thư Đoàn cấp huyện" || r[cadre.FPlanSince] != "01/02/2024" {
		t.Errorf("row 6 = %q", r)
	}
	if d, ok := rd.Date(r[cadre.FBirthDate]); !ok || d != cadre.NewDate(1995, 3, 15) {
		t.Errorf("serial date = %v %v (raw %q)", d, ok, r[cadre.FBirthDate])
	}
	if d, ok := rd.Date(rows[1].Values[cadre.FBirthDate]); !ok || d != cadre.NewDate(1998, 7, 24) {
		t.Errorf("formula date = %v %v (raw %q)", d, ok, rows[1].Values[cadre.FBirthDate])
	}
}

func TestReaderNoHeader(t *testing.T) {
	f := excelize.NewFile()
	must(t, f.SetCellValue("Sheet1", "A1", "Báo cáo"))
	must(t, f.SetCellValue("Sheet1", "A2", "Nguyễn Văn An"))
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	if _, err := xlsx.Open(bytes.NewReader(buf.Bytes())); err != xlsx.ErrNoHeader {
		t.Fatalf("err = %v", err)
	}
	if _, err := xlsx.Open(strings.NewReader("not a workbook")); err == nil {
		t.Fatal("garbage opened")
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	titles, err := cadre.NewTitles([]cadre.Title{{Code: "bi_thu_xa", Name: "Bí thư Đoàn xã", Key: true}, {Code: "gv", Name: "Giảng viên"}})
	must(t, err)
	var buf bytes.Buffer
	must(t, xlsx.Template(&buf, xlsx.TemplateData{Titles: titles.All(),
		Units: []cadre.Unit{{Code: "X01", Name: "Đoàn xã Tân Nhựt"}}}))
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{xlsx.SheetCadres, xlsx.SheetLists, xlsx.SheetHelp}) {
		t.Errorf("sheets = %v", got)
	}
	if v, _ := f.GetSheetVisible(xlsx.SheetLists); v {
		t.Error("the list sheet should be hidden")
	}
	dvs, err := f.GetDataValidations(xlsx.SheetCadres)
	must(t, err)
	if len(dvs) != 5 {
		t.Errorf("data validations = %d", len(dvs))
	}
	for _, dv := range dvs {
		if !strings.Contains(dv.Formula1, xlsx.SheetLists) {
			t.Errorf("validation %s not fed from the list sheet: %s", dv.Sqref, dv.Formula1)
		}
	}
	if v, _ := f.GetCellValue(xlsx.SheetLists, "D2"); v != "X01 - Đoàn xã Tân Nhựt" {
		t.Errorf("unit list = %q", v)
	}
	if v, _ := f.GetCellValue(xlsx.SheetCadres, "G1"); v != "Số CCCD" {
		t.Errorf("G1 = %q", v)
	}
	rd, err := xlsx.Open(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer rd.Close()
	if rd.Sheet() != xlsx.SheetCadres || rd.HeaderRow() != 1 || len(rd.Fields()) != len(xlsx.Columns)-1 {
		t.Errorf("template read as sheet %q header %d fields %v", rd.Sheet(), rd.HeaderRow(), rd.Fields())
	}
	if _, ok, err := rd.Next(); ok || err != nil {
		t.Errorf("empty template has a data row: %v %v", ok, err)
	}
}

func TestWriters(t *testing.T) {
	cols := xlsx.Columns[:3]
	rows := [][]any{{"1", "Nguyễn Văn Đức", cadre.NewDate(1995, 3, 15)}, {"2", "Trần Thị Bé", cadre.Date{}}}
	var x bytes.Buffer
	w, err := xlsx.NewXLSX(&x, "Cán bộ", cols)
	must(t, err)
	for _, r := range rows {
		must(t, w.Write(r))
	}
	must(t, w.Close())
	f, err := excelize.OpenReader(bytes.NewReader(x.Bytes()))
	must(t, err)
	defer f.Close()
	got, err := f.GetRows("Cán bộ")
	must(t, err)
	if len(got) != 3 || got[0][1] != "Họ và tên" || got[1][1] != "Nguyễn Văn Đức" || got[1][2] != "15/03/1995" {
		t.Errorf("xlsx rows = %q", got)
	}

	var c bytes.Buffer
	cw, err := xlsx.NewCSV(&c, cols)
	must(t, err)
	for _, r := range rows {
		must(t, cw.Write(r))
	}
	must(t, cw.Close())
	if !bytes.HasPrefix(c.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatal("csv without UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(c.Bytes()[3:])).ReadAll()
	must(t, err)
	if len(recs) != 3 || recs[1][1] != "Nguyễn Văn Đức" || recs[1][2] != "15/03/1995" || recs[2][2] != "" {
		t.Errorf("csv = %q", recs)
	}
}
