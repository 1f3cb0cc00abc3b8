package norms

import (
	"strings"
	"testing"
	"time"

	"doanbd/core"
)

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func example(t *testing.T) *Book {
	t.Helper()
	bk, err := Load("..", "examples/p79.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return bk
}

func TestEffectiveDates(t *testing.T) {
	bk := example(t)
	for date, want := range map[string]int64{"2023-01-01": 150_000, "2025-12-31": 150_000, "2026-01-01": 180_000, "2031-06-30": 180_000} {
		tb, err := bk.At(day(date))
		if err != nil || tb.PerDiem != want {
			t.Errorf("%s: per diem %v, err %v; want %d", date, tb, err, want)
		}
	}
	if _, err := bk.At(day("2022-12-31")); err == nil || !strings.Contains(err.Error(), "31/12/2022") {
		t.Errorf("before any table: %v", err)
	}
}

func TestLines(t *testing.T) {
	bk := example(t)
	r := core.CostRequest{Date: day("2026-05-04"), Learners: 50, Days: 2, Format: "in_person"}
	lines, err := bk.Lines(r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]core.CostLine{}
	for _, l := range lines {
		got[l.Item] = l
		if l.Amount != l.Quantity*l.UnitAmount || l.FundingSource != "local" {
			t.Errorf("line %+v", l)
		}
	}
	// Default rank (khac), two sessions a day, no field trip.
	if l := got["lecturer"]; l.Quantity != 4 || l.UnitAmount != 900_000 {
		t.Errorf("lecturer %+v", l)
	}
	if l := got["per_diem"]; l.Quantity != 100 {
		t.Errorf("per diem %+v", l)
	}
	if _, ok := got["field_trip"]; ok || len(got) != 6 {
		t.Errorf("items %v", got)
	}

	r.Format, r.FieldTrip, r.Sessions, r.LecturerRank = FormatOnline, true, 3, "bo_truong"
	lines, err = bk.Lines(r)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]core.CostLine{}
	for _, l := range lines {
		got[l.Item] = l
	}
	if _, venue := got["venue"]; venue || got["per_diem"].Amount != 0 || got["field_trip"].Amount != 50*500_000 || got["lecturer"].Amount != 3*2_000_000 {
		t.Errorf("online class with a field trip: %v", got)
	}

	r.LecturerRank = "giao_su"
	if _, err := bk.Lines(r); err == nil || !strings.Contains(err.Error(), "giao_su") {
		t.Errorf("unknown rank: %v", err)
	}
	if _, err := bk.Lines(core.CostRequest{Date: day("2026-05-04")}); err == nil {
		t.Error("a class without learners was costed")
	}
}

func TestParseErrors(t *testing.T) {
	base := "funding_source: local\nnorms:\n  - effective_from: %s\n    lecturer_ranks: [{code: khac, name: K, per_session: 1}]\n"
	for doc, want := range map[string]string{
		"norms: []\nfunding_source: local\n":                                "không có mục nào",
		"norms: [{effective_from: 2026-01-01}]\n":                           "nguồn kinh phí",
		strings.Replace(base, "%s", "01/01/2026", 1):                        "YYYY-MM-DD",
		"funding_source: local\nnorms:\n  - effective_from: 2026-01-01\n":   "thù lao giảng viên",
		strings.Replace(base, "%s", "2026-01-01", 1) + "    per_diem: -5\n": "không được âm",
	} {
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", doc, err, want)
		}
	}
}
