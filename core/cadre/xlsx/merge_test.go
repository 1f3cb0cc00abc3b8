package xlsx_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"doanbd/core/cadre"
	"doanbd/core/cadre/xlsx"
)

// mergedUnits builds a workbook as written by hand in a provincial office:
// a group label merged over exactly two columns with a column after it that
// has its label in the lower header row only, the unit merged down over the
// cadres of each unit, a total line merged across the sheet, and formulas
// saved without values (as programs write them) — one that can be computed
// and one that cannot.
func mergedUnits(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	set := func(cell string, v any) { must(t, f.SetCellValue(sh, cell, v)) }
	merge := func(a, b string) { must(t, f.MergeCell(sh, a, b)) }
	for col, h := range map[string]string{"A": "STT", "B": "Họ và tên", "C": "Ngày sinh", "D": "Giới tính", "E": "Đơn vị"} {
		set(col+"1", h)
		merge(col+"1", col+"2")
	}
	set("F1", "Quy hoạch")
	merge("F1", "G1")
	set("F2", "Chức danh")
	set("G2", "Từ ngày")
	set("H2", "Chức danh") // the current title: not part of the group
	rows := []struct {
		name, birth, gender, title string
	}{
		{"Nguyễn Văn An", "01/01/1995", "Nam", "Bí thư Đoàn xã"},
		{"Trần Thị Bé", "02/02/1996", "Nữ", "Phó Bí thư Đoàn xã"},
		{"Lê Văn Cường", "", "Nam", "Bí thư chi đoàn"},
		{"Phạm Thị Dung", "", "Nữ", "Bí thư chi đoàn"},
	}
	for i, r := range rows {
		n := itoa(i + 3)
		set("A"+n, i+1)
		set("B"+n, r.name)
		if r.birth != "" {
			set("C"+n, r.birth)
		}
		set("D"+n, r.gender)
		set("H"+n, r.title)
	}
	set("E3", "X01")
	merge("E3", "E5") // unit X01 for rows 3–5
	set("E6", "X02")
	must(t, f.SetCellFormula(sh, "C5", "DATE(1998,7,24)"))
	must(t, f.SetCellFormula(sh, "C6", "NOSUCHFUNCTION(1)"))
	set("A7", "Tổng cộng: 4 cán bộ")
	merge("A7", "H7")
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestReaderMergedRangesAndUncachedFormulas(t *testing.T) {
	rd, err := xlsx.Open(bytes.NewReader(mergedUnits(t)))
	must(t, err)
	defer rd.Close()
	want := []string{cadre.FFullName, cadre.FBirthDate, cadre.FGender, cadre.FUnit, cadre.FPlanTitle, cadre.FPlanSince, cadre.FTitle}
	if got := rd.Fields(); !slices.Equal(got, want) {
		t.Fatalf("fields = %v\nwant %v", got, want)
	}
	var got []xlsx.Row
	for {
		r, ok, err := rd.Next()
		must(t, err)
		if !ok {
			break
		}
		got = append(got, r)
	}
	if len(got) != 4 {
		t.Fatalf("rows = %+v, want 4 (the merged total line is not a cadre)", got)
	}
	for i, unit := range []string{"X01", "X01", "X01", "X02"} {
		if u := got[i].Values[cadre.FUnit]; u != unit {
			t.Errorf("row %d unit = %q, want %q (from the merged range)", got[i].No, u, unit)
		}
	}
	if d, ok := rd.Date(got[2].Values[cadre.FBirthDate]); !ok || d != cadre.NewDate(1998, 7, 24) {
		t.Errorf("formula saved without a value = %q, want it computed to 24/07/1998", got[2].Values[cadre.FBirthDate])
	}
	if len(got[2].Uncomputed) != 0 {
		t.Errorf("row 5 uncomputed = %v", got[2].Uncomputed)
	}
	if !slices.Equal(got[3].Uncomputed, []string{cadre.FBirthDate}) || got[3].Values[cadre.FBirthDate] != "" {
		t.Errorf("row 6: uncomputable formula = %q, uncomputed %v; want empty and reported", got[3].Values[cadre.FBirthDate], got[3].Uncomputed)
	}
}
