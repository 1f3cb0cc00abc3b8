package ui

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"doanbd/core"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/importer"
)

// noJobs lets the test run the import's jobs by hand.
type noJobs struct{}

func (noJobs) Add(context.Context, bun.IDB, string, string, any) error { return nil }

// workbook is a roster sheet with two good rows and one with a short CCCD.
func workbook(t *testing.T, unitCode string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Chức danh", "Chế độ công tác"},
		{"Lê Thị Hoa", "12/05/1996", "Nữ", "079196001111", unitCode, "Bí thư Đoàn xã", "Chuyên trách"},
		{"Võ Văn Kiệt", "01/01/1994", "Nam", "12345", unitCode, "Bí thư Đoàn xã", "Chuyên trách"},
		{"Đặng Minh Châu", "20/10/1997", "Nữ", "079197002222", unitCode, "Bí thư Đoàn xã", "Bán chuyên trách"},
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportWizard(t *testing.T) {
	db := cadretest.SQLite(t)
	rs := cadretest.Service(t, db)
	tree := cadretest.Units(t, rs, "p79")
	im := importer.New(rs, noJobs{}, importer.Options{})
	ts := newTestServer(t, func(o *Options) { o.Roster = rs; o.Importer = im })
	sid := ts.login("planner@demo.vn")
	ctx := core.WithPrincipal(cadretest.Ctx(t), core.Principal{UserID: "u1"})

	if w := ts.do(http.MethodGet, "/t/p79/imports/template", nil, sid); w.Code != http.StatusOK || !bytes.HasPrefix(w.Body.Bytes(), []byte("PK")) {
		t.Fatalf("template: %d", w.Code)
	}
	if body := ts.do(http.MethodGet, "/t/p79/imports/new", nil, sid).Body.String(); !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatal("no upload form")
	}
	// No file: the error is next to the field.
	if w := ts.do(http.MethodPost, "/t/p79/imports", url.Values{}, sid); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="f-file-err"`) {
		t.Fatalf("upload without a file: %d", w.Code)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "danh-sach-2026.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(workbook(t, tree.Commune.Code)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/t/p79/imports", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(sid)
	w := httptest.NewRecorder()
	ts.s.Handler().ServeHTTP(w, r)
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/t/p79/imports/") {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	id := strings.TrimPrefix(loc, "/t/p79/imports/")

	// Before the parse job runs: a progress bar that polls.
	page := ts.do(http.MethodGet, loc, nil, sid).Body.String()
	if !strings.Contains(page, `<progress id="import-bar"`) || !strings.Contains(page, `hx-trigger="every 2s"`) {
		t.Fatalf("no polling progress bar: %s", page)
	}
	if w := ts.do(http.MethodGet, loc+"/progress", nil, sid); w.Header().Get("HX-Redirect") != "" || strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("progress fragment while running: %q", w.Header().Get("HX-Redirect"))
	}
	if err := im.Parse(ctx, "p79", id); err != nil {
		t.Fatal(err)
	}
	if w := ts.do(http.MethodGet, loc+"/progress", nil, sid); w.Header().Get("HX-Redirect") != loc {
		t.Fatalf("a finished step does not reload the page: %q", w.Header().Get("HX-Redirect"))
	}

	page = ts.do(http.MethodGet, loc, nil, sid).Body.String()
	for _, want := range []string{"Dòng 3, cột Số CCCD", `id="commit-all" disabled`, "Chỉ ghi 2 dòng hợp lệ", "Lê Thị Hoa"} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	// Commit all is refused while a row has an error.
	w = ts.do(http.MethodPost, loc+"/commit", url.Values{"mode": {"all"}}, sid)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Còn 1 dòng có lỗi") {
		t.Fatalf("commit all with errors: %d", w.Code)
	}
	if w := ts.do(http.MethodPost, loc+"/commit", url.Values{"mode": {"valid_only"}}, sid); w.Code != http.StatusSeeOther {
		t.Fatalf("commit valid rows: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(ts.do(http.MethodGet, loc, nil, sid).Body.String(), `<progress id="import-bar"`) {
		t.Fatal("no progress bar while committing")
	}
	if err := im.RunCommit(ctx, "p79", id); err != nil {
		t.Fatal(err)
	}
	page = ts.do(http.MethodGet, loc, nil, sid).Body.String()
	if !strings.Contains(page, "Đã ghi 2 cán bộ vào danh sách.") {
		t.Fatalf("after commit: %s", page)
	}
	list := ts.do(http.MethodGet, "/t/p79/cadres", nil, sid).Body.String()
	if !strings.Contains(list, "Lê Thị Hoa") || !strings.Contains(list, "Đặng Minh Châu") || strings.Contains(list, "Võ Văn Kiệt") {
		t.Fatal("the roster does not hold exactly the valid rows")
	}
	// Another tenant's import is not found.
	if w := ts.do(http.MethodGet, "/t/p79/imports/khongco", nil, sid); w.Code != http.StatusNotFound {
		t.Fatalf("missing import: %d", w.Code)
	}
}
