package tenants_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/web"
	"doanbd/tenants"
)

// allowGuard lets everyone in: these tests are about what the handlers return
// for the tenant in the URL; authorization is the Casbin engineer's matrix.
type allowGuard struct{ s *tenants.Store }

func (g allowGuard) Authenticate(*gin.Context) (core.Principal, error) {
	return core.Principal{UserID: "u-central", Email: "admin@tw.vn"}, nil
}
func (g allowGuard) ResolveTenant(ctx context.Context, slug string, write bool) (core.Tenant, error) {
	return g.s.Resolve(ctx, slug, write)
}
func (allowGuard) Authorize(context.Context, core.Principal, string, string, string) error {
	return nil
}

func do(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d %q is not a JSON object", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

func TestAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db testDB) {
		s := seeded(t, db, newClock())
		srv, err := web.New(web.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv.SetGuard(allowGuard{s})
		s.Routes(srv)
		audit.NewStore(db.DB).Routes(srv)
		if missing := srv.Undocumented(); len(missing) != 0 {
			t.Errorf("undocumented routes: %v", missing)
		}
		if _, err := srv.OpenAPI("test"); err != nil {
			t.Errorf("OpenAPI: %v", err)
		}
		h := srv.Handler()

		code, body := do(t, h, "GET", "/api/v1/t/tw/tenants?limit=200", "")
		if code != 200 || body["total"].(float64) != 72 || len(body["items"].([]any)) != 72 {
			t.Fatalf("tw list: %d total %v", code, body["total"])
		}
		code, body = do(t, h, "GET", "/api/v1/t/tw/tenants?kind=province&status=active&limit=10&offset=30", "")
		if code != 200 || body["total"].(float64) != 34 || len(body["items"].([]any)) != 4 {
			t.Fatalf("tw list of active provinces, page 4: %d %v items %d", code, body["total"], len(body["items"].([]any)))
		}
		code, body = do(t, h, "GET", "/api/v1/t/p79/tenants", "")
		items := body["items"].([]any)
		if code != 200 || len(items) != 1 || items[0].(map[string]any)["slug"] != "p79" {
			t.Fatalf("p79 list: %d %v", code, body)
		}
		code, body = do(t, h, "GET", "/api/v1/t/tw/tenants/p80", "")
		if code != 200 || body["name"] != "Tỉnh Đoàn Tây Ninh" || len(body["names"].([]any)) != 2 {
			t.Fatalf("tw get p80: %d %v", code, body)
		}
		// Another tenant's entry answers exactly like a missing one.
		codeForeign, foreign := do(t, h, "GET", "/api/v1/t/p79/tenants/p01", "")
		codeMissing, missing := do(t, h, "GET", "/api/v1/t/p79/tenants/p99", "")
		if codeForeign != 404 || codeMissing != 404 || foreign["title"] != missing["title"] {
			t.Fatalf("foreign %d %v, missing %d %v", codeForeign, foreign, codeMissing, missing)
		}
		if code, _ := do(t, h, "GET", "/api/v1/t/p72/tenants/p72", ""); code != 200 {
			t.Errorf("ended tenant reading itself: %d", code)
		}

		newTenant := `{"slug":"p99","name":"Tỉnh Đoàn Thử Nghiệm","kind":"province","code":"99"}`
		if code, _ := do(t, h, "POST", "/api/v1/t/p72/tenants", newTenant); code != 404 {
			t.Errorf("POST under an ended tenant: %d, want 404", code)
		}
		if code, _ := do(t, h, "POST", "/api/v1/t/p79/tenants", newTenant); code != 403 {
			t.Errorf("POST under a province: %d, want 403", code)
		}
		code, body = do(t, h, "POST", "/api/v1/t/tw/tenants", `{"slug":"P-9","name":" ","kind":"central"}`)
		if code != 422 || len(body["errors"].([]any)) != 3 {
			t.Errorf("invalid tenant: %d %v", code, body)
		}
		code, body = do(t, h, "POST", "/api/v1/t/tw/tenants", newTenant)
		if code != 201 || body["slug"] != "p99" || body["name"] != "Tỉnh Đoàn Thử Nghiệm" || body["parent"] != "tw" || body["status"] != "active" {
			t.Fatalf("create: %d %v", code, body)
		}
		if code, _ := do(t, h, "GET", "/api/v1/t/p99/tenants/p99", ""); code != 200 {
			t.Errorf("new tenant does not resolve at once: %d", code)
		}
		code, body = do(t, h, "POST", "/api/v1/t/tw/tenants", newTenant)
		if code != 422 || !strings.Contains(body["errors"].([]any)[0].(map[string]any)["message"].(string), "đã tồn tại") {
			t.Errorf("duplicate slug: %d %v", code, body)
		}
		code, body = do(t, h, "GET", "/api/v1/t/tw/audit?action=tenant.create&from=2020-01-01", "")
		if code != 200 || body["total"].(float64) != 1 {
			t.Errorf("audit API: %d %v", code, body)
		}
		if code, _ := do(t, h, "GET", "/api/v1/t/tw/audit?from=yesterday", ""); code != 422 {
			t.Errorf("audit API with a bad date: %d", code)
		}
		rows, _, err := audit.NewStore(db.DB).List(ctxOf(t), "tw", audit.Filter{Action: "tenant.create"}, web.Page{Limit: 10})
		if err != nil || len(rows) != 1 || rows[0].ObjectID != "p99" || rows[0].ActorID != "u-central" {
			t.Errorf("audit of the creation: %+v, %v", rows, err)
		}
	})
}
