package ui

import (
	"net/http"
	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/roster"
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
