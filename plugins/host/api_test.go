package host

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/web"
)

// guard lets every caller in as user u1 and refuses "manage" to read-only
// callers (header X-Role: viewer).
type guard struct{}

func (guard) Authenticate(c *gin.Context) (core.Principal, error) {
	return core.Principal{UserID: "u1", Email: "admin@p79.vn", Via: "token", Name: c.GetHeader("X-Role")}, nil
}

func (guard) ResolveTenant(_ context.Context, slug string, _ bool) (core.Tenant, error) {
	return core.Tenant{ID: slug, Status: core.TenantActive}, nil
}

func (guard) Authorize(_ context.Context, p core.Principal, _, obj, act string) error {
	if obj != "plugin" || (act == "manage" && p.Name == "viewer") {
		return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
	}
	return nil
}

// apiServer serves the plugin API of h; do makes a request as role.
func apiServer(t *testing.T, h *Host, st TenantStore) (s *web.Server, do func(method, path, body, role string) (int, string)) {
	t.Helper()
	s, err := web.New(web.Options{Addr: "127.0.0.1:0", BodyLimit: 1 << 20, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	s.SetGuard(guard{})
	(&API{Host: h, Store: st}).Register(s)
	if u := s.Undocumented(); len(u) != 0 {
		t.Errorf("undocumented routes %v", u)
	}
	return s, func(method, path, body, role string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Role", role)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
}

// TestAPIReset: resetting a failed plugin through the API. One that still
// cannot start answers 503 with the cool-down; one installed wrongly 409;
// a failed plugin shows when it is retried.
func TestAPIReset(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		root := t.TempDir()
		install(t, root, "broken", "broken", "0.0.1", allCaps, []string{"--start", "exit"})
		install(t, root, "tampered", "broken", "0.0.1", allCaps, []string{"--name", "tampered"})
		f, err := os.OpenFile(filepath.Join(root, "tampered", "tampered"), os.O_APPEND|os.O_WRONLY, 0)
		must(t, err)
		_, err = f.Write([]byte("x"))
		must(t, err)
		must(t, f.Close())
		st := NewDBStore(db)
		for _, name := range []string{"broken", "tampered"} {
			must(t, st.Put(ctxT(t), "p79", TenantPlugin{Plugin: name, Enabled: true, Settings: map[string]string{"mode": "ok"}}))
		}
		h := newHost(t, root, st, nil, nil)
		_, do := apiServer(t, h, st)
		for range 20 {
			if _, err := h.CheckPlan(ctxT(t), "p79", onePlan()); err == nil {
				t.Fatal("a check with a broken plugin succeeded")
			}
			if info(t, h, "broken").Status == StatusFailed {
				break
			}
		}

		status, body := do("GET", "/api/v1/t/p79/plugins/broken", "", "")
		if status != 200 || !strings.Contains(body, `"status":"failed"`) || !strings.Contains(body, `"retry_at":`) {
			t.Errorf("failed plugin: %d %s", status, body)
		}
		status, body = do("POST", "/api/v1/t/p79/plugins/broken/reset", "", "")
		if status != 503 || !strings.Contains(body, "vẫn lỗi sau khi khởi động lại") || !strings.Contains(body, "tự thử lại lúc ") {
			t.Errorf("reset of a plugin that still cannot start: %d %s", status, body)
		}
		if strings.Contains(body, "exited") {
			t.Errorf("the internal cause reached the user: %s", body)
		}
		status, body = do("POST", "/api/v1/t/p79/plugins/tampered/reset", "", "")
		if status != 409 || !strings.Contains(body, "được cài đặt sai") {
			t.Errorf("reset of a wrongly installed plugin: %d %s", status, body)
		}
	})
}

func TestAPI(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		root := t.TempDir()
		installBundled(t, root)
		st := NewDBStore(db)
		h := newHost(t, root, st, nil, nil)
		s, do := apiServer(t, h, st)
		// A plugin p79 enabled that has since been uninstalled.
		must(t, st.Put(ctxT(t), "p79", TenantPlugin{Plugin: "retired", Enabled: true, Capabilities: []string{"PlanRules"}}))
		cases := []struct {
			name, method, path, body, role string
			status                         int
			contains                       []string
		}{
			{"list", "GET", "/api/v1/t/p79/plugins", "", "", 200,
				[]string{`"name":"bca-rules"`, `"name":"costnorms"`, `"name":"localprograms"`, `"status":"disabled"`, `"name":"retired"`, `"total":4`}},
			{"enable", "PUT", "/api/v1/t/p79/plugins/localprograms", `{"enabled":true,"settings":{"file":"examples/p79.yaml"}}`, "", 200,
				[]string{`"enabled":true`, `"status":"ok"`, `"file":"examples/p79.yaml"`, `"updated_by":"u1"`}},
			{"get", "GET", "/api/v1/t/p79/plugins/localprograms", "", "viewer", 200, []string{`"enabled":true`, `"capabilities":["ProgramCatalog"]`}},
			{"other tenant unaffected", "GET", "/api/v1/t/p01/plugins/localprograms", "", "", 200, []string{`"enabled":false`, `"status":"disabled"`}},
			{"viewer may not manage", "PUT", "/api/v1/t/p79/plugins/localprograms", `{"enabled":false}`, "viewer", 403, nil},
			{"unknown plugin", "PUT", "/api/v1/t/p79/plugins/nope", `{"enabled":true}`, "", 404, []string{"Không tìm thấy plugin."}},
			{"enabled required", "PUT", "/api/v1/t/p79/plugins/costnorms", `{"settings":{}}`, "", 422, []string{`"field":"enabled"`}},
			{"bad setting name", "PUT", "/api/v1/t/p79/plugins/costnorms", `{"enabled":true,"settings":{"Bad Key":"x"}}`, "", 422, []string{`"field":"settings.Bad Key"`}},
			{"not json", "PUT", "/api/v1/t/p79/plugins/costnorms", `enabled=1`, "", 422, []string{`"field":"body"`}},
			{"uninstalled but chosen", "GET", "/api/v1/t/p79/plugins/retired", "", "", 200,
				[]string{`"installed":false`, `"status":"failed"`, `"enabled":true`, `"capabilities":["PlanRules"]`}},
			{"uninstalled: another tenant's choice is not found", "GET", "/api/v1/t/p01/plugins/retired", "", "", 404, nil},
			{"uninstalled cannot be enabled", "PUT", "/api/v1/t/p79/plugins/retired", `{"enabled":true}`, "", 422, []string{"chưa được cài đặt"}},
			{"uninstalled can be turned off", "PUT", "/api/v1/t/p79/plugins/retired", `{"enabled":false}`, "", 200,
				[]string{`"installed":false`, `"status":"disabled"`}},
			{"reset a working plugin: nothing to do", "POST", "/api/v1/t/p79/plugins/localprograms/reset", "", "", 200,
				[]string{`"name":"localprograms"`, `"status":"ok"`}},
			{"viewer may not reset", "POST", "/api/v1/t/p79/plugins/localprograms/reset", "", "viewer", 403, nil},
			{"reset needs the plugin enabled", "POST", "/api/v1/t/p79/plugins/costnorms/reset", "", "", 409, []string{"đang bật cho đơn vị"}},
			{"reset of an uninstalled plugin", "POST", "/api/v1/t/p79/plugins/retired/reset", "", "", 409, nil},
			{"reset of an unknown plugin", "POST", "/api/v1/t/p79/plugins/nope/reset", "", "", 404, nil},
		}
		for _, c := range cases {
			status, body := do(c.method, c.path, c.body, c.role)
			if status != c.status {
				t.Errorf("%s: status %d, want %d (%s)", c.name, status, c.status, body)
				continue
			}
			for _, frag := range c.contains {
				if !strings.Contains(body, frag) {
					t.Errorf("%s: body %s lacks %s", c.name, body, frag)
				}
			}
		}
		// The stored choice reaches the host.
		ps, stale, err := h.LocalPrograms(ctxT(t), "p79")
		if err != nil || stale || len(ps) != 4 {
			t.Fatalf("after enabling through the API: %d programmes, stale %v, err %v", len(ps), stale, err)
		}
		var list web.List[PluginView]
		_, body := do("GET", "/api/v1/t/p79/plugins", "", "")
		must(t, json.Unmarshal([]byte(body), &list))
		for _, v := range list.Items {
			if want := v.Name == "localprograms"; v.Enabled != want && v.Name != "retired" {
				t.Errorf("%s enabled = %v", v.Name, v.Enabled)
			}
		}
		for _, r := range s.Routes() {
			if strings.Contains(r.Path, "/plugins") && (r.Scope != web.TenantScoped || r.Object != "plugin" ||
				(r.Method != http.MethodGet) != (r.Action == "manage")) {
				t.Errorf("route %+v", r)
			}
		}
	})
}
