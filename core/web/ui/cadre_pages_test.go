package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
	"doanbd/core/program"
)

// TestCadreTrainingHistory: the detail page lists the training history,
// newest first, naming the tenant where a training was earned when the
// cadre came from elsewhere.
func TestCadreTrainingHistory(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		rs := cadretest.Service(t, db)
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1", Email: "planner@demo.vn"})
		here := cadretest.Units(t, rs, "p79")
		there := cadretest.Units(t, rs, "p01")
		c, err := rs.CreateCadre(ctx, "p01", cadretest.Input("Hoàng Thị Chuyển", there.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		_, err = rs.RecordEnrolment(ctx, "p01", c.ID, cadre.EnrolmentInput{ProgramCode: "TW2-CB", ProgramName: "Kỹ năng cơ bản công tác Đoàn",
			ProgramGroup: "TW2", Year: 2024, StartOn: cadre.NewDate(2024, 4, 1), EndOn: cadre.NewDate(2024, 4, 5), Hours: 40,
			Result: cadre.EnrolmentCompleted, CompletedOn: cadre.NewDate(2024, 4, 5), CertificateNo: "77/2024/CC-TĐ-P01"})
		if err != nil {
			t.Fatal(err)
		}
		tf, err := rs.ProposeTransfer(ctx, "p01", c.ID, roster.TransferInput{ToTenant: "p79", On: cadre.NewDate(2025, 8, 1)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		done, err := rs.AcceptTransfer(ctx, "p79", tf.ID, roster.AcceptInput{UnitID: here.Commune.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = rs.RecordEnrolment(ctx, "p79", done.ToCadreID, cadre.EnrolmentInput{ProgramCode: "TW4-CDS", ProgramName: "Chuyển đổi số",
			ProgramGroup: "TW4", Year: 2026, StartOn: cadre.NewDate(2026, 10, 1)})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := rs.CreateCadre(ctx, "p79", cadretest.Input("Phan Văn Mới", here.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		ts := newTestServer(t, func(o *Options) { o.Roster = rs })
		sid := ts.login("planner@demo.vn")

		w := ts.do(http.MethodGet, "/t/p79/cadres/"+done.ToCadreID, nil, sid)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("detail: %d", w.Code)
		}
		i := strings.Index(body, "Lịch sử bồi dưỡng")
		if i < 0 {
			t.Fatalf("no training history on the page: %s", body)
		}
		section := body[i:]
		for _, want := range []string{"TW4-CDS — Chuyển đổi số", "Đang học", "01/10/2026", "TW2-CB — Kỹ năng cơ bản công tác Đoàn",
			"01/04/2024 – 05/04/2024", "Hoàn thành", "77/2024/CC-TĐ-P01", "Học tại Thành Đoàn Hà Nội"} {
			if !strings.Contains(section, want) {
				t.Errorf("the history lacks %q", want)
			}
		}
		if strings.Index(section, "TW4-CDS") > strings.Index(section, "TW2-CB") {
			t.Error("the history is not newest first")
		}
		if strings.Count(section, "Học tại") != 1 {
			t.Error("a training earned here is marked as earned elsewhere")
		}
		body = ts.do(http.MethodGet, "/t/p79/cadres/"+fresh.ID, nil, sid).Body.String()
		if !strings.Contains(body, "Lịch sử bồi dưỡng") || !strings.Contains(body, "Chưa có khóa bồi dưỡng nào.") {
			t.Error("a cadre without training shows no empty history")
		}
	})
}

// fakePrograms is a published catalogue of two programmes.
type fakePrograms struct{ Programs }

func (fakePrograms) List(context.Context, string, program.Filter) (program.ListResult, error) {
	return program.ListResult{Items: []program.Program{
		{ID: "p1", Code: "TW2-CB", Name: "Kỹ năng cơ bản công tác Đoàn", Group: "TW2", TotalHours: 40, Status: program.StatusPublished},
		{ID: "p2", Code: "TW4-CDS", Name: "Chuyển đổi số trong công tác Đoàn", Group: "TW4", TotalHours: 24, Status: program.StatusPublished},
	}, Total: 2}, nil
}

// TestRecordEnrolmentForm: a planner records a completed training from the
// cadre page's form; it appears in the history with the programme's hours.
// Mistakes come back by field, in Vietnamese, and store nothing.
func TestRecordEnrolmentForm(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		rs := cadretest.Service(t, db)
		ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1", Email: "planner@demo.vn"})
		units := cadretest.Units(t, rs, "p79")
		c, err := rs.CreateCadre(ctx, "p79", cadretest.Input("Lê Thị Học", units.Commune.ID))
		if err != nil {
			t.Fatal(err)
		}
		ts := newTestServer(t, func(o *Options) { o.Roster, o.Programs = rs, fakePrograms{} })
		sid := ts.login("planner@demo.vn")
		page := ts.do(http.MethodGet, "/t/p79/cadres/"+c.ID, nil, sid).Body.String()
		if !strings.Contains(page, `href="/t/p79/cadres/`+c.ID+`/enrolments/new"`) {
			t.Fatal("the cadre page has no link to record a training")
		}
		w := ts.do(http.MethodGet, "/t/p79/cadres/"+c.ID+"/enrolments/new", nil, sid)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "TW4-CDS — Chuyển đổi số trong công tác Đoàn") {
			t.Fatalf("form: %d\n%s", w.Code, w.Body)
		}

		target := "/t/p79/cadres/" + c.ID + "/enrolments"
		for _, tc := range []struct {
			name  string
			form  url.Values
			wants []string
		}{
			{"nothing chosen", url.Values{"year": {"2026"}, "result": {"completed"}},
				[]string{"Chương trình", "Ngày bắt đầu"}},
			{"completed without a date", url.Values{"program": {"TW2-CB"}, "year": {"2026"}, "start_on": {"01/03/2026"}, "result": {"completed"}},
				[]string{"không được để trống khi đã hoàn thành"}},
			{"not a number", url.Values{"program": {"TW2-CB"}, "year": {"hai nghìn"}, "start_on": {"01/03/2026"}, "result": {"in_progress"}},
				[]string{"Phải là một số nguyên."}},
			{"unknown programme", url.Values{"program": {"XX-1"}, "year": {"2026"}, "start_on": {"01/03/2026"}, "result": {"in_progress"}},
				[]string{"Chương trình không có trong danh mục của đơn vị."}},
		} {
			tc.form.Set("csrf_token", "tok")
			w := ts.do(http.MethodPost, target, tc.form, sid)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d", tc.name, w.Code)
			}
			for _, want := range tc.wants {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("%s: the page lacks %q", tc.name, want)
				}
			}
		}
		if es, err := rs.Enrolments(ctx, "p79", c.ID); err != nil || len(es) != 0 {
			t.Fatalf("after refused forms: %d enrolments, %v", len(es), err)
		}

		form := url.Values{"csrf_token": {"tok"}, "program": {"TW2-CB"}, "year": {"2026"}, "start_on": {"02/03/2026"},
			"end_on": {"06/03/2026"}, "result": {"completed"}, "completed_on": {"06/03/2026"}, "certificate_no": {"12/2026/CC"}}
		if w := ts.do(http.MethodPost, target, form, sid); w.Code != http.StatusSeeOther {
			t.Fatalf("record: %d\n%s", w.Code, w.Body)
		}
		es, err := rs.Enrolments(ctx, "p79", c.ID)
		if err != nil || len(es) != 1 {
			t.Fatalf("%d enrolments, %v", len(es), err)
		}
		e := es[0]
		if e.ProgramCode != "TW2-CB" || e.ProgramGroup != "TW2" || e.Hours != 40 || e.Result != cadre.EnrolmentCompleted ||
			e.CompletedOn != cadre.NewDate(2026, 3, 6) || e.CertificateNo != "12/2026/CC" || e.OriginTenant != "p79" {
			t.Fatalf("recorded %+v", e)
		}
		page = ts.do(http.MethodGet, "/t/p79/cadres/"+c.ID, nil, sid).Body.String()
		if !strings.Contains(page, "12/2026/CC") {
			t.Error("the recorded training is not in the history")
		}
	})
}
