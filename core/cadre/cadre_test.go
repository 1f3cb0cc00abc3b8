package cadre_test

import (
	"encoding/json"
	"testing"

	"doanbd/core/cadre"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "+84912345678", true},
		{"0912 345 678", "+84912345678", true},
		{"(091) 234-5678", "+84912345678", true},
		{"+84 912.345.678", "+84912345678", true},
		{"84912345678", "+84912345678", true},
		{"912345678", "+84912345678", true}, // a number cell dropped the leading 0
		{"0381234567", "+84381234567", true},
		{"02838123456", "+842838123456", true}, // landline
		{"0123456789", "", false},              // old 11-digit-era prefix
		{"091234567", "", false},
		{"0912a45678", "", false},
		{"+1 415 555 0100", "", false},
	} {
		got, ok := cadre.NormalizePhone(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckCCCD(t *testing.T) {
	born95 := cadre.NewDate(1995, 3, 15)
	born01 := cadre.NewDate(2001, 1, 2)
	for _, tc := range []struct {
		cccd    string
		birth   cadre.Date
		gender  string
		problem string
		warning bool
	}{
		{"079095012345", born95, cadre.Male, "", false},
		{"079195012345", born95, cadre.Female, "", false},
		{"001201000001", born01, cadre.Male, "", false},
		{"001301000001", born01, cadre.Female, "", false},
		{"07909501234", born95, cadre.Male, "phải có 12 chữ số", false},
		{"07909501234X", born95, cadre.Male, "phải có 12 chữ số", false},
		{"099095012345", born95, cadre.Male, "mã tỉnh (3 chữ số đầu) không có thật, hãy kiểm tra lại", true},
		{"079195012345", born95, cadre.Male, "không khớp với ngày sinh hoặc giới tính, hãy kiểm tra lại", true},
		{"079096012345", born95, cadre.Male, "không khớp với ngày sinh hoặc giới tính, hãy kiểm tra lại", true},
	} {
		ps := cadre.CheckCCCD(tc.cccd, tc.birth, tc.gender)
		switch {
		case tc.problem == "" && len(ps) != 0:
			t.Errorf("%s: unexpected %+v", tc.cccd, ps)
		case tc.problem != "" && (len(ps) != 1 || ps[0].Message != tc.problem || ps[0].Warning != tc.warning):
			t.Errorf("%s: %+v, want %q warning=%v", tc.cccd, ps, tc.problem, tc.warning)
		}
	}
}

func TestParseCell(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cadre.Date
		ok   bool
	}{
		{"15/03/1995", cadre.NewDate(1995, 3, 15), true},
		{"5/3/1995", cadre.NewDate(1995, 3, 5), true},
		{"05-03-1995", cadre.NewDate(1995, 3, 5), true},
		{"05.03.1995", cadre.NewDate(1995, 3, 5), true},
		{"1995-03-15", cadre.NewDate(1995, 3, 15), true},
		{"34773", cadre.NewDate(1995, 3, 15), true},
		{"34773.75", cadre.NewDate(1995, 3, 15), true},
		{"59", cadre.NewDate(1900, 2, 28), true},
		{"61", cadre.NewDate(1900, 3, 1), true},
		{"31/02/1990", cadre.Date{}, false},
		{"13/13/1990", cadre.Date{}, false},
		{"hôm qua", cadre.Date{}, false},
		{"", cadre.Date{}, false},
	} {
		got, ok := cadre.ParseCell(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseCell(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDateJSONAndSQL(t *testing.T) {
	var v struct {
		D cadre.Date `json:"d"`
		E cadre.Date `json:"e"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2025-06-30","e":null}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"d":"2025-06-30","e":null}` {
		t.Errorf("json = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"d":"30/06/2025"}`), &v); err == nil {
		t.Error("a non-ISO date was accepted in JSON")
	}
	var d cadre.Date
	for _, src := range []any{"2025-06-30", []byte("2025-06-30 00:00:00+00:00"), cadre.NewDate(2025, 6, 30).Time()} {
		if err := d.Scan(src); err != nil || d != cadre.NewDate(2025, 6, 30) {
			t.Errorf("Scan(%v) = %v, %v", src, d, err)
		}
	}
	if v, _ := (cadre.Date{}).Value(); v != nil {
		t.Error("zero date must be NULL")
	}
	if cadre.NewDate(2025, 6, 30).VN() != "30/06/2025" {
		t.Error("VN format")
	}
}

func TestChoicesAndTitles(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"Nữ", cadre.Female}, {"NU", cadre.Female}, {"nam", cadre.Male}} {
		if got, ok := cadre.ParseChoice(cadre.Genders, tc.in); !ok || got != tc.want {
			t.Errorf("gender %q = %q", tc.in, got)
		}
	}
	for _, in := range []string{"Bán chuyên trách", "ban chuyen trach", "ban_chuyen_trach", "BÁN CHUYÊN TRÁCH"} {
		if got, ok := cadre.ParseChoice(cadre.Employments, in); !ok || got != cadre.PartTime {
			t.Errorf("employment %q = %q", in, got)
		}
	}
	if _, ok := cadre.ParseChoice(cadre.Employments, "chuyên"); ok {
		t.Error("a prefix matched")
	}
	ts, err := cadre.LoadTitles([]byte("titles:\n  - {code: bi_thu_xa, name: \"Bí thư Đoàn xã\", key: true}\nprograms: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"bi_thu_xa", "Bí thư Đoàn xã", "bi thu doan xa", "BÍ THƯ ĐOÀN XÃ"} {
		if got, ok := ts.Match(in); !ok || got.Code != "bi_thu_xa" || !got.Key {
			t.Errorf("title %q = %+v", in, got)
		}
	}
	if _, err := cadre.LoadTitles([]byte("programs: []\n")); err == nil {
		t.Error("a file without titles loaded")
	}
	if !cadre.LevelBelow(cadre.LevelCoSo, cadre.LevelTinh) || cadre.LevelBelow(cadre.LevelTinh, cadre.LevelCoSo) || cadre.LevelBelow(cadre.LevelTinh, cadre.LevelTinh) {
		t.Error("LevelBelow")
	}
}
