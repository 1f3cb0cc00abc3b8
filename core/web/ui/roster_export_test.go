package ui

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"doanbd/core/cadre/cadretest"
)

// The roster offers the export with CCCD, ethnicity and religion, with its
// audit warning, only to a user who may read sensitive data; the links
// carry the page's filters and include=sensitive to the API, which
// authorizes and audits it.
func TestRosterSensitiveExportOffer(t *testing.T) {
	db := cadretest.SQLite(t)
	rs := cadretest.Service(t, db)
	cadretest.Units(t, rs, "p79")
	ts := newTestServer(t, func(o *Options) { o.Roster = rs })
	ts.ids.perms["exporter"] = []string{"cadre:read", "cadre:export", "unit:read"}
	ts.ids.addUser("u5", "xuat@demo.vn", "đúng-mật-khẩu", map[string][]string{"p79": {"exporter"}})

	page := func(email string) string {
		w := ts.do(http.MethodGet, "/t/p79/cadres?q=anh", nil, ts.login(email))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: roster %d", email, w.Code)
		}
		return html.UnescapeString(w.Body.String())
	}
	with := page("planner@demo.vn")
	for _, want := range []string{
		"Xuất kèm dữ liệu nhạy cảm (CCCD, dân tộc, tôn giáo)", "nhật ký kiểm toán",
		`href="/api/v1/t/p79/cadres/export?include=sensitive&q=anh&subtree=true"`,
		`href="/api/v1/t/p79/cadres/export?format=csv&include=sensitive&q=anh&subtree=true"`,
		`href="/api/v1/t/p79/cadres/export?q=anh&subtree=true"`,
	} {
		if !strings.Contains(with, want) {
			t.Errorf("with read_sensitive: the roster lacks %q", want)
		}
	}
	without := page("xuat@demo.vn")
	if !strings.Contains(without, `id="export-xlsx"`) {
		t.Error("without read_sensitive: no plain export")
	}
	if strings.Contains(without, "include=sensitive") || strings.Contains(without, "dữ liệu nhạy cảm") {
		t.Error("without read_sensitive: the sensitive export is offered")
	}
}
