package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/sqldb"
	"doanbd/core/sqldb/sqldbtest"
	"doanbd/core/web"
)

// guard lets "Bearer user@tenant" act in that tenant only.
type guard struct{}

func (guard) Authenticate(c *gin.Context) (core.Principal, error) {
	tok := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	if tok == "" {
		return core.Principal{}, core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	return core.Principal{UserID: tok, Via: "token"}, nil
}

func (guard) ResolveTenant(_ context.Context, slug string, _ bool) (core.Tenant, error) {
	return core.Tenant{ID: slug}, nil
}

func (guard) Authorize(_ context.Context, p core.Principal, tenant, _, _ string) error {
	if !strings.HasSuffix(p.UserID, "@"+tenant) {
		return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
	}
	return nil
}

// submitOnly offers "submit" on drafts.
type submitOnly struct{}

func (submitOnly) AvailableActions(_ context.Context, _, subject, _, status string) ([]string, error) {
	if subject == "plan" && status == plan.StatusDraft {
		return []string{"submit"}, nil
	}
	return nil, nil
}

type client struct {
	t   *testing.T
	srv *web.Server
}

func (c client) do(method, path, user string, body any, header ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd *bytes.Reader
	if s, ok := body.(string); ok {
		rd = bytes.NewReader([]byte(s))
	} else if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+user)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	c.srv.Handler().ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			c.t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
		}
	}
	return rec.Code, rec.Header(), out
}

func newAPI(t *testing.T, db *sqldb.DB, e *env) client {
	t.Helper()
	s, err := web.New(web.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	s.SetGuard(guard{})
	idem := &web.Idempotency{Store: web.NewIdemTable(func(ctx context.Context, tenant string, fn func(context.Context, bun.Tx) error) error {
		return db.TenantTx(ctx, tenant, sqldb.TxFunc(fn))
	})}
	program.RegisterAPI(s, e.programs, program.APIOptions{Idem: idem})
	budget.RegisterAPI(s, e.budget, idem)
	plan.RegisterAPI(s, e.plans, plan.APIOptions{Idem: idem, Actions: submitOnly{}})
	if u := s.Undocumented(); len(u) != 0 {
		t.Fatalf("undocumented routes: %v", u)
	}
	if _, err := s.OpenAPI("test"); err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	return client{t: t, srv: s}
}

func TestAPIPlanJourney(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		c := newAPI(t, db, e)
		const u = "lan@p79"
		// Create with an Idempotency-Key: the retry answers the same plan.
		code, _, first := c.do("POST", "/api/v1/t/p79/plans", u, map[string]any{"kind": "annual", "year": 2026}, "Idempotency-Key", "k-1")
		if code != http.StatusCreated || first["status"] != "draft" {
			t.Fatalf("create = %d %v", code, first)
		}
		if acts, _ := first["available_actions"].([]any); len(acts) != 1 || acts[0] != "submit" {
			t.Fatalf("available actions = %v", first["available_actions"])
		}
		code, h, again := c.do("POST", "/api/v1/t/p79/plans", u, map[string]any{"kind": "annual", "year": 2026}, "Idempotency-Key", "k-1")
		if code != http.StatusCreated || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry = %d %v", code, again["id"])
		}
		code, _, prob := c.do("POST", "/api/v1/t/p79/plans", u, map[string]any{"kind": "annual", "year": 2027}, "Idempotency-Key", "k-1")
		if code != http.StatusUnprocessableEntity || !strings.Contains(prob["title"].(string), "Idempotency-Key") {
			t.Fatalf("key reused for another request = %d %v", code, prob)
		}
		// A failed request frees its key.
		code, _, _ = c.do("POST", "/api/v1/t/p79/plans", u, map[string]any{"kind": "annual", "year": 1}, "Idempotency-Key", "k-2")
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("bad year = %d", code)
		}
		if code, _, _ = c.do("POST", "/api/v1/t/p79/plans", u, map[string]any{"kind": "period"}, "Idempotency-Key", "k-2"); code != http.StatusCreated {
			t.Fatalf("key after a failure = %d", code)
		}
		code, _, list := c.do("GET", "/api/v1/t/p79/plans?year=2026", u, nil)
		if code != 200 || list["total"].(float64) != 1 {
			t.Fatalf("list = %d %v", code, list)
		}
		id := first["id"].(string)

		// A class with problems: problem+json with field errors in Vietnamese.
		code, _, prob = c.do("POST", "/api/v1/t/p79/plans/"+id+"/classes", u, map[string]any{
			"program_id": e.program(t, "p79", "TW1-BTX").ID, "learners": 0, "start_date": "2025-12-01", "end_date": "2026-01-02", "format": "in_person"})
		if code != http.StatusUnprocessableEntity || prob["code"] != "invalid" {
			t.Fatalf("bad class = %d %v", code, prob)
		}
		got := map[string]string{}
		for _, fe := range prob["errors"].([]any) {
			m := fe.(map[string]any)
			got[m["field"].(string)] = m["message"].(string)
		}
		if got["learners"] != "Số học viên dự kiến phải lớn hơn 0." || got["start_date"] != "Ngày khai giảng phải nằm trong năm kế hoạch 2026." {
			t.Fatalf("field errors = %v", got)
		}
		if code, _, prob = c.do("POST", "/api/v1/t/p79/plans/"+id+"/classes", u, `{"learnerz": 3}`); code != 422 ||
			prob["errors"].([]any)[0].(map[string]any)["field"] != "learnerz" {
			t.Fatalf("unknown field = %d %v", code, prob)
		}
		code, _, cls := c.do("POST", "/api/v1/t/p79/plans/"+id+"/classes", u, e.class(t, "p79", "TW1-BTX"))
		if code != http.StatusCreated || cls["totals"].(map[string]any)["amount"].(float64) != 100_700_000 {
			t.Fatalf("class = %d %v", code, cls["totals"])
		}
		lineID := cls["lines"].([]any)[0].(map[string]any)["id"].(string)
		if code, _, _ = c.do("PUT", "/api/v1/t/p79/plans/"+id+"/lines/"+lineID+"/override", u, map[string]any{"amount": 5_000_000}); code != 422 {
			t.Fatalf("override without reason = %d", code)
		}
		code, _, line := c.do("PUT", "/api/v1/t/p79/plans/"+id+"/lines/"+lineID+"/override", u,
			map[string]any{"amount": 5_000_000, "reason": "Giảng viên nội bộ nhận mức thấp hơn"})
		if code != 200 || line["computed_amount"].(float64) != 7_200_000 || line["amount"].(float64) != 5_000_000 {
			t.Fatalf("override = %d %v", code, line)
		}
		code, _, lines := c.do("GET", "/api/v1/t/p79/plans/"+id+"/lines", u, nil)
		if code != 200 || lines["totals"].(map[string]any)["amount"].(float64) != 100_700_000-2_200_000 {
			t.Fatalf("lines = %d %v", code, lines["totals"])
		}

		// Versions after a submission (the workflow engine's snapshot).
		e.snapshot(t, "p79", id)
		e.setStatus(t, "p79", id, "submitted")
		code, _, vs := c.do("GET", "/api/v1/t/p79/plans/"+id+"/versions", u, nil)
		if code != 200 || len(vs["items"].([]any)) != 1 {
			t.Fatalf("versions = %d %v", code, vs)
		}
		code, _, v1 := c.do("GET", "/api/v1/t/p79/plans/"+id+"/versions/1", u, nil)
		if code != 200 || v1["snapshot"].(map[string]any)["classes"] == nil {
			t.Fatalf("version 1 = %d %v", code, v1)
		}
		code, _, got2 := c.do("GET", "/api/v1/t/p79/plans/"+id, u, nil)
		if code != 200 || len(got2["available_actions"].([]any)) != 0 {
			t.Fatalf("submitted plan actions = %v", got2["available_actions"])
		}
		if code, _, _ = c.do("DELETE", "/api/v1/t/p79/plans/"+id+"/classes/"+cls["id"].(string), u, nil); code != http.StatusConflict {
			t.Fatalf("delete class of a submitted plan = %d", code)
		}

		// Crossing tenants: p01's user is refused in p79 and finds nothing in p01.
		if code, _, _ = c.do("GET", "/api/v1/t/p79/plans/"+id, "hoa@p01", nil); code != http.StatusForbidden {
			t.Fatalf("p01 user in p79 = %d", code)
		}
		if code, _, _ = c.do("GET", "/api/v1/t/p01/plans/"+id, "hoa@p01", nil); code != http.StatusNotFound {
			t.Fatalf("p79 plan id under p01 = %d", code)
		}
	})
}

func TestAPICatalogueAndRates(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, plan.Options{})
		c := newAPI(t, db, e)
		code, _, list := c.do("GET", "/api/v1/t/bca/programs?group=TW3&limit=5", "an@bca", nil)
		if code != 200 || list["total"].(float64) != 8 || len(list["items"].([]any)) != 5 {
			t.Fatalf("TW3 list = %d %v", code, list["total"])
		}
		base := e.program(t, "bca", "TW3-TC")
		code, _, v := c.do("POST", "/api/v1/t/bca/programs/"+base.ID+"/variants", "an@bca", nil, "Idempotency-Key", "v-1")
		if code != http.StatusCreated || v["code"] != "TW3-TC-BCA" || v["status"] != "draft" {
			t.Fatalf("variant = %d %v", code, v)
		}
		if code, _, again := c.do("POST", "/api/v1/t/bca/programs/"+base.ID+"/variants", "an@bca", nil, "Idempotency-Key", "v-1"); code != 201 || again["id"] != v["id"] {
			t.Fatalf("variant retry = %d %v", code, again["id"])
		}
		vid := v["id"].(string)
		mods := v["modules"].([]any)
		mods = append(mods, map[string]any{"code": "M5", "name": "Quy định của ngành Công an", "hours": 4})
		code, _, up := c.do("PATCH", "/api/v1/t/bca/programs/"+vid, "an@bca", map[string]any{"modules": mods})
		if code != 200 || len(up["changes"].([]any)) != 1 {
			t.Fatalf("patch variant = %d %v", code, up)
		}
		if code, _, _ = c.do("GET", "/api/v1/t/p79/programs/"+vid, "lan@p79", nil); code != http.StatusNotFound {
			t.Fatalf("p79 reads bca's variant = %d", code)
		}
		if code, _, g := c.do("GET", "/api/v1/t/p79/program-titles", "lan@p79", nil); code != 200 || len(g["items"].([]any)) != 14 {
			t.Fatalf("titles = %d", code)
		}
		// Rate tables.
		in := map[string]any{"name": "Định mức 2027", "effective_from": "2027-01-01", "items": []map[string]any{
			{"item": "lecturer_pay", "rank": "", "unit": "per_session", "amount": 800000, "funding_source": "local"}}}
		code, _, rt := c.do("POST", "/api/v1/t/p79/rates", "lan@p79", in, "Idempotency-Key", "r-1")
		if code != http.StatusCreated || rt["effective_from"] != "2027-01-01" {
			t.Fatalf("create rates = %d %v", code, rt)
		}
		code, _, rl := c.do("GET", "/api/v1/t/p79/rates", "lan@p79", nil)
		if code != 200 || rl["total"].(float64) != 3 {
			t.Fatalf("rates list = %d %v", code, rl["total"])
		}
		in["effective_from"] = "01/01/2027"
		if code, _, _ = c.do("PUT", "/api/v1/t/p79/rates/"+rt["id"].(string), "lan@p79", in); code != 422 {
			t.Fatalf("bad date = %d", code)
		}
		if code, _, _ = c.do("DELETE", "/api/v1/t/p01/rates/"+rt["id"].(string), "hoa@p01", nil); code != 404 {
			t.Fatalf("p01 deletes p79's rates = %d", code)
		}
		if code, _, _ = c.do("DELETE", "/api/v1/t/p79/rates/"+rt["id"].(string), "lan@p79", nil); code != 204 {
			t.Fatalf("delete rates = %d", code)
		}
	})
}
