package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"doanbd/core"
	"doanbd/core/cadre/api"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/importer"
	"doanbd/core/testenv"
	"doanbd/core/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// guard lets the user named in X-User in, with the actions listed for them
// ("cadre.read", …) in every tenant.
type guard struct{ perms map[string][]string }

func (g guard) Authenticate(c *gin.Context) (core.Principal, error) {
	u := c.GetHeader("X-User")
	if u == "" {
		return core.Principal{}, core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	return core.Principal{UserID: u, Email: u + "@test.vn"}, nil
}

func (guard) ResolveTenant(_ context.Context, slug string, _ bool) (core.Tenant, error) {
	return core.Tenant{ID: slug, Status: core.TenantActive}, nil
}

func (g guard) Authorize(_ context.Context, p core.Principal, _, obj, act string) error {
	for _, a := range g.perms[p.UserID] {
		if a == obj+"."+act {
			return nil
		}
	}
	return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
}

var all = []string{"unit.read", "unit.write", "cadre.read", "cadre.write", "cadre.import", "cadre.export", "cadre.read_sensitive"}

type jobs struct {
	mu   sync.Mutex
	list []importer.JobPayload
}

func (j *jobs) Add(_ context.Context, _ bun.IDB, kind, _ string, p any) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, p.(importer.JobPayload))
	return nil
}

type env struct {
	t   *testing.T
	h   http.Handler
	im  *importer.Importer
	srv *web.Server
}

func setup(t *testing.T, db cadretest.DB) *env {
	t.Helper()
	s := cadretest.Service(t, db)
	im := importer.New(s, &jobs{}, importer.Options{})
	srv, err := web.New(web.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetGuard(guard{perms: map[string][]string{
		"admin":  all,
		"viewer": {"unit.read", "cadre.read"},
		// An exporter may export the roster but not read sensitive data.
		"exporter": {"unit.read", "cadre.read", "cadre.export"},
	}})
	idem := &web.Idempotency{Store: web.NewIdemTable(func(ctx context.Context, tenant string, fn func(ctx context.Context, tx bun.Tx) error) error {
		return db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx) })
	})}
	api.Register(srv, s, im, api.Options{Idempotency: idem})
	return &env{t: t, h: srv.Handler(), im: im, srv: srv}
}

type resp struct {
	code int
	hdr  http.Header
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%d %q is not a JSON object", r.code, r.body)
	}
	return m
}

func (e *env) do(user, method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case *multipart.Writer:
		panic("use upload")
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-User", user)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (e *env) upload(path, name string, content []byte) resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-User", "admin")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func want(t *testing.T, r resp, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
}

func TestRoutesDocumentedAndGuarded(t *testing.T) {
	e := setup(t, cadretest.SQLite(t))
	if missing := e.srv.Undocumented(); len(missing) != 0 {
		t.Errorf("undocumented: %v", missing)
	}
	if _, err := e.srv.OpenAPI("test"); err != nil {
		t.Errorf("OpenAPI: %v", err)
	}
	for _, r := range e.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if r.Scope != web.TenantScoped || (r.Object != "cadre" && r.Object != "unit") {
			t.Errorf("route %s %s: scope %v object %q", r.Method, r.Path, r.Scope, r.Object)
		}
	}
	r := e.do("", http.MethodGet, "/api/v1/t/p79/cadres", nil)
	want(t, r, http.StatusUnauthorized)
	r = e.do("viewer", http.MethodPost, "/api/v1/t/p79/units", `{}`)
	want(t, r, http.StatusForbidden)
	if r.hdr.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Errorf("error content type %q", r.hdr.Get("Content-Type"))
	}
}

func TestRosterAPI(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		e := setup(t, db)
		base := "/api/v1/t/p79"
		r := e.do("admin", http.MethodPost, base+"/units", map[string]any{"code": "TD", "name": "Tỉnh đoàn", "level": "tinh"})
		want(t, r, http.StatusCreated)
		root := r.json(t)["id"].(string)
		r = e.do("admin", http.MethodPost, base+"/units", map[string]any{"code": "X01", "name": "Đoàn xã Tân Nhựt", "level": "co_so", "parent_id": root, "difficult_area": true})
		want(t, r, http.StatusCreated)
		unit := r.json(t)["id"].(string)
		r = e.do("admin", http.MethodPost, base+"/units", map[string]any{"code": "X01", "name": "x", "level": "co_so", "bogus": 1})
		want(t, r, http.StatusUnprocessableEntity)

		body := map[string]any{"full_name": "Nguyễn Văn An", "birth_date": "1995-03-15", "gender": "nam", "unit_id": unit,
			"employment": "chuyen_trach", "title": "bi_thu_xa", "phone": "0912345678", "cccd": "079095012345", "ethnicity": "Kinh"}
		r = e.do("admin", http.MethodPost, base+"/cadres", body, "Idempotency-Key", "k-1")
		want(t, r, http.StatusCreated)
		id := r.json(t)["id"].(string)
		if r.hdr.Get("Location") != base+"/cadres/"+id || r.json(t)["phone"] != "+84912345678" {
			t.Errorf("created: %s %s", r.hdr.Get("Location"), r.body)
		}
		// The same key replays the first answer instead of creating twice.
		r = e.do("admin", http.MethodPost, base+"/cadres", body, "Idempotency-Key", "k-1")
		want(t, r, http.StatusCreated)
		if r.json(t)["id"] != id || r.hdr.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay = %s", r.body)
		}
		body["cccd"] = "123"
		r = e.do("admin", http.MethodPost, base+"/cadres", body)
		want(t, r, http.StatusUnprocessableEntity)
		if errs := r.json(t)["errors"].([]any); errs[0].(map[string]any)["field"] != "cccd" {
			t.Errorf("errors = %v", errs)
		}

		r = e.do("viewer", http.MethodGet, base+"/cadres?q=NGUYEN+van&limit=10", nil)
		want(t, r, http.StatusOK)
		if m := r.json(t); m["total"] != float64(1) || m["limit"] != float64(10) {
			t.Errorf("list = %s", r.body)
		}
		if bytes.Contains(r.body, []byte("079095012345")) || bytes.Contains(r.body, []byte("Kinh")) {
			t.Error("the list leaks sensitive data")
		}
		r = e.do("viewer", http.MethodGet, base+"/cadres?employment=x", nil)
		want(t, r, http.StatusUnprocessableEntity)

		// Sensitive fields need read_sensitive, and every read is audited.
		r = e.do("viewer", http.MethodGet, base+"/cadres/"+id+"?include=sensitive", nil)
		want(t, r, http.StatusForbidden)
		r = e.do("viewer", http.MethodGet, base+"/cadres/"+id+"/sensitive", nil)
		want(t, r, http.StatusForbidden)
		r = e.do("admin", http.MethodGet, base+"/cadres/"+id+"?include=sensitive", nil)
		want(t, r, http.StatusOK)
		if s := r.json(t)["sensitive"].(map[string]any); s["cccd"] != "079095012345" || s["ethnicity"] != "Kinh" {
			t.Errorf("sensitive = %v", s)
		}
		r = e.do("admin", http.MethodPost, base+"/cadres/lookup", map[string]string{"cccd": "079095012345"})
		want(t, r, http.StatusOK)
		var n int
		if err := db.Owner.QueryRowContext(context.Background(),
			"SELECT count(*) FROM audit_log WHERE tenant_id = 'p79' AND actor_id = 'admin' AND action IN ('cadre.read_sensitive', 'cadre.lookup_cccd')").Scan(&n); err != nil || n != 2 {
			t.Errorf("audit rows = %d, %v", n, err)
		}

		r = e.do("admin", http.MethodPost, base+"/cadres/"+id+"/planning", map[string]any{"title": "bi_thu_tinh", "since": "2024-01-01"})
		want(t, r, http.StatusCreated)
		r = e.do("admin", http.MethodGet, base+"/cadres?planning=any", nil)
		if r.json(t)["total"] != float64(1) {
			t.Errorf("planning filter = %s", r.body)
		}
		r = e.do("admin", http.MethodPost, base+"/cadres/"+id+"/positions", map[string]any{"kind": "left", "on": "2026-01-01"})
		want(t, r, http.StatusCreated)
		r = e.do("admin", http.MethodGet, base+"/cadres/"+id+"/positions", nil)
		want(t, r, http.StatusOK)
		r = e.do("admin", http.MethodGet, base+"/cadres?status=left", nil)
		if r.json(t)["total"] != float64(1) {
			t.Errorf("left = %s", r.body)
		}
		// Other tenants see nothing.
		r = e.do("admin", http.MethodGet, "/api/v1/t/p01/cadres/"+id, nil)
		want(t, r, http.StatusNotFound)

		r = e.do("admin", http.MethodGet, base+"/cadres/choices", nil)
		want(t, r, http.StatusOK)
	})
}

func TestImportExportAPI(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		e := setup(t, db)
		s := cadretest.Service(t, db)
		cadretest.Units(t, s, "p79")
		base := "/api/v1/t/p79"
		r := e.do("admin", http.MethodGet, base+"/cadres/import/template", nil)
		want(t, r, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("template is not a workbook: %v", err)
		}
		// Fill the template like a user: a good row and a bad one.
		for i, row := range [][]any{
			{1, "Trần Văn Bình", "12/12/1994", "Nam", "Kinh", "", "001094000001", "0987654321", "", "X01 - Đoàn xã Tân Nhựt", "Bí thư Đoàn xã", "Chuyên trách"},
			{2, "Lê Thị Cúc", "99/99/1994", "Nữ", "", "", "12345", "", "", "X01", "", "Kiêm nhiệm"},
		} {
			if err := f.SetSheetRow("Cán bộ", fmt.Sprintf("A%d", i+2), &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r = e.upload(base+"/cadres/imports", "ds.xlsx", buf.Bytes())
		want(t, r, http.StatusAccepted)
		id := r.json(t)["id"].(string)
		if err := e.im.Parse(cadretest.Ctx(t), "p79", id); err != nil {
			t.Fatal(err)
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/imports/"+id, nil)
		if m := r.json(t); m["status"] != "parsed" || m["valid_rows"] != float64(1) || m["error_rows"] != float64(1) {
			t.Fatalf("import = %s", r.body)
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/imports/"+id+"/problems?limit=1", nil)
		if m := r.json(t); m["total"] != float64(2) || !strings.HasPrefix(m["items"].([]any)[0].(map[string]any)["text"].(string), "Dòng 3, cột ") {
			t.Errorf("problems = %s", r.body)
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/imports/"+id+"/rows?valid=true", nil)
		if r.json(t)["total"] != float64(1) {
			t.Errorf("rows = %s", r.body)
		}
		r = e.do("admin", http.MethodPost, base+"/cadres/imports/"+id+"/commit", map[string]string{"mode": "all"})
		want(t, r, http.StatusUnprocessableEntity)
		r = e.do("admin", http.MethodPost, base+"/cadres/imports/"+id+"/commit", map[string]string{"mode": "valid_only"})
		want(t, r, http.StatusAccepted)
		if err := e.im.RunCommit(cadretest.Ctx(t), "p79", id); err != nil {
			t.Fatal(err)
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/imports", nil)
		if items := r.json(t)["items"].([]any); items[0].(map[string]any)["status"] != "committed" {
			t.Errorf("imports = %s", r.body)
		}

		r = e.do("admin", http.MethodGet, base+"/cadres/export?format=csv&q=tran+van", nil)
		want(t, r, http.StatusOK)
		if !bytes.HasPrefix(r.body, []byte("\uFEFF")) || !bytes.Contains(r.body, []byte("Trần Văn Bình,12/12/1994,Nam,+84987654321")) ||
			!strings.Contains(r.hdr.Get("Content-Disposition"), ".csv") {
			t.Errorf("csv = %q", r.body)
		}
		if bytes.Contains(r.body, []byte("001094000001")) {
			t.Error("the export leaks the CCCD")
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/export", nil)
		want(t, r, http.StatusOK)
		x, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("Cán bộ")
		if len(rows) != 2 || rows[1][1] != "Trần Văn Bình" || rows[1][6] != "X01 - Đoàn xã Tân Nhựt" {
			t.Errorf("xlsx export = %q", rows)
		}
		x.Close()
		// Sensitive columns only on request, with read_sensitive, audited.
		r = e.do("exporter", http.MethodGet, base+"/cadres/export?format=csv", nil)
		want(t, r, http.StatusOK)
		r = e.do("exporter", http.MethodGet, base+"/cadres/export?format=csv&include=sensitive", nil)
		want(t, r, http.StatusForbidden)
		r = e.do("admin", http.MethodGet, base+"/cadres/export?format=csv&include=all", nil)
		want(t, r, http.StatusUnprocessableEntity)
		r = e.do("admin", http.MethodGet, base+"/cadres/export?format=csv&q=tran+van&include=sensitive", nil)
		want(t, r, http.StatusOK)
		if lines := strings.Split(strings.TrimSpace(string(r.body)), "\n"); len(lines) != 2 ||
			!strings.Contains(lines[0], "Số CCCD") || !strings.Contains(lines[1], "Trần Văn Bình,12/12/1994,Nam,") ||
			!strings.Contains(lines[1], ",001094000001,") {
			t.Errorf("sensitive csv = %q", r.body)
		}
		var exports int
		if err := db.Owner.QueryRowContext(context.Background(),
			"SELECT count(*) FROM audit_log WHERE tenant_id = 'p79' AND actor_id = 'admin' AND action = 'cadre.export_sensitive'").Scan(&exports); err != nil || exports != 1 {
			t.Errorf("export audit rows = %d, %v", exports, err)
		}
		r = e.do("admin", http.MethodGet, base+"/cadres/export?format=pdf", nil)
		want(t, r, http.StatusUnprocessableEntity)
		r = e.do("viewer", http.MethodGet, base+"/cadres/export", nil)
		want(t, r, http.StatusForbidden)
	})
}
