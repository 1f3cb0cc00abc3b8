package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"doanbd/core"
	"doanbd/core/sqldb/sqldbtest"
)

// The isolation rows of the workflow routes (wire_workflows.go).
func init() {
	for k, v := range workflowIsolationRows {
		isolationMatrix[k] = v
	}
}

var workflowIsolationRows = map[string]isolationRow{
	"POST " + isoAPI + "/plans/:id/transitions":    {Object: isoPlan, ObjectParam: "id", Body: `{"action":"submit"}`},
	"GET " + isoAPI + "/plans/:id/history":         {Object: isoPlan, ObjectParam: "id"},
	"GET " + isoAPI + "/plans/:id/workflow":        {Object: isoPlan, ObjectParam: "id"},
	"POST " + isoAPI + "/programs/:id/transitions": {Object: isoProgram, ObjectParam: "id", Body: `{"action":"submit"}`},
	"GET " + isoAPI + "/programs/:id/history":      {Object: isoProgram, ObjectParam: "id"},
	"GET " + isoAPI + "/programs/:id/workflow":     {Object: isoProgram, ObjectParam: "id"},
	// Estimates are ids by year, the same in every tenant: tw's is the stored
	// national estimate, every other tenant's is its own live share.
	"POST " + isoAPI + "/budget-estimates/:id/transitions": {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true, Body: `{"action":"submit_review"}`},
	"GET " + isoAPI + "/budget-estimates/:id/history":      {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true},
	"GET " + isoAPI + "/budget-estimates/:id/workflow":     {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true},
	"GET " + isoAPI + "/budget-estimates/:id":              {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true},
	"POST " + isoAPI + "/budget-estimates/:id/recompute":   {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true},
	"GET " + isoAPI + "/budget-estimates/:id/export":       {Object: isoEstimate, ObjectParam: "id", PerTenantIDs: true},
	"POST " + isoAPI + "/delegations":                      {Body: `{"to_user":"{learner}","starts_on":"2026-01-01","ends_on":"2026-01-31"}`},
	"POST " + isoAPI + "/files":                            {},
	"GET " + isoAPI + "/files/:id":                         {Object: isoFile, ObjectParam: "id"},
	"GET " + isoAPI + "/workflows":                         {},
	"PUT " + isoAPI + "/workflows":                         {Body: `name: annual_plan`},
	"GET /api/v1/openapi.json":                             {Why: "the public description of the API, no data"},
	"GET /api/v1/inbox":                                    {Why: "lists only items the caller's own roles (or delegations to the caller) may act on"},
	"GET /api/v1/notifications":                            {Why: "the caller's own notifications (filtered by user id)"},
	"POST /api/v1/notifications/:id/read":                  {Why: "marks only the caller's own notification"},
	"GET /api/v1/delegations":                              {Why: "delegations made by or to the caller"},
	"DELETE /api/v1/delegations/:id":                       {Why: "deletes only a delegation the caller made"},
}

// isoEstimate compiles the 2026 national estimate once (tw); any other
// tenant's estimate id is the same year (its live share).
func isoEstimate(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	if tenant == core.CentralTenant {
		st, body := e.do(http.MethodPost, "/api/v1/t/tw/budget-estimates/2026/recompute", e.user("central_admin", "tw").Token, "")
		if st != http.StatusOK {
			t.Fatalf("recompute: %d %s", st, body)
		}
	}
	return "2026"
}

// isoFile uploads a PDF of tenant.
func isoFile(t *testing.T, e *isoEnv, tenant string) string {
	t.Helper()
	f, err := e.app.wf.Upload(context.Background(), core.Principal{UserID: "iso-seed"}, tenant, "qd.pdf", []byte("%PDF-1.4 iso"))
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// journey is a tiny API client for one test.
type journey struct {
	t *testing.T
	e *isoEnv
}

func (j journey) call(who, method, path string, in any, out any) int {
	j.t.Helper()
	var body string
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			j.t.Fatal(err)
		}
		body = string(b)
	}
	role, tenant, _ := strings.Cut(who, "@")
	st, resp := j.e.do(method, path, j.e.user(role, tenant).Token, body)
	if out != nil && st < 300 {
		if err := json.Unmarshal(resp, out); err != nil {
			j.t.Fatalf("%s %s: %v in %s", method, path, err, resp)
		}
	}
	if st >= 300 && out != nil {
		j.t.Logf("%s %s as %s: %d %s", method, path, who, st, resp)
	}
	return st
}

func (j journey) must(who, method, path string, in, out any) {
	j.t.Helper()
	if st := j.call(who, method, path, in, out); st >= 300 {
		j.t.Fatalf("%s %s as %s: status %d", method, path, who, st)
	}
}

func (j journey) fire(who, planID, action, comment string, fields map[string]string) int {
	j.t.Helper()
	var out map[string]any
	return j.call(who, http.MethodPost, "/api/v1/t/p79/plans/"+planID+"/transitions",
		map[string]any{"action": action, "comment": comment, "fields": fields}, &out)
}

func (j journey) upload(who, tenant string) string {
	j.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "quyet-dinh.pdf")
	_, _ = io.WriteString(fw, "%PDF-1.4 Quyết định phê duyệt kế hoạch")
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/t/"+tenant+"/files", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	role, _, _ := strings.Cut(who, "@")
	req.Header.Set("Authorization", "Bearer "+j.e.user(role, tenant).Token)
	rec := httptest.NewRecorder()
	j.e.h.ServeHTTP(rec, req)
	var f struct{ ID string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &f) != nil {
		j.t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	return f.ID
}

// TestPlanJourneyThroughTheAPI takes a provincial plan through the whole
// chain with real users, roles and Casbin decisions: submit, leadership
// approval, the People's Committee decision with its PDF, a central return
// with a comment, revision and resubmission (both versions kept), approval to
// the end, and the national estimate recompiled by the job.
func TestPlanJourneyThroughTheAPI(t *testing.T) {
	for _, d := range sqldbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			e := newIsoEnv(t, d)
			if err := seedPrograms(context.Background(), e.app, SeedOptions{Demo: true, Out: io.Discard}); err != nil {
				t.Fatal(err)
			}
			j := journey{t, e}
			progID := func(code string) string {
				var list struct {
					Items []struct{ ID, Code string } `json:"items"`
				}
				j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/programs?search="+code, nil, &list)
				for _, p := range list.Items {
					if p.Code == code {
						return p.ID
					}
				}
				t.Fatalf("programme %s not in p79's catalogue: %+v", code, list)
				return ""
			}
			var plan struct {
				ID               string   `json:"id"`
				Status           string   `json:"status"`
				Version          int      `json:"version"`
				AvailableActions []string `json:"available_actions"`
			}
			j.must("planner@p79", http.MethodPost, "/api/v1/t/p79/plans", map[string]any{"kind": "annual", "year": 2027, "title": "Kế hoạch bồi dưỡng cán bộ Đoàn năm 2027"}, &plan)
			for _, c := range []map[string]any{
				{"program_id": progID("TW1-BTX"), "learners": 60, "start_date": "2027-03-08", "end_date": "2027-03-12", "place": "Trường Đoàn TP", "venue_kind": "internal", "format": "in_person", "funding_source": "central", "lecturer_rank": "hang2"},
				{"program_id": progID("TW4-CDS"), "learners": 40, "start_date": "2027-05-10", "end_date": "2027-05-13", "place": "Khu Công nghệ cao", "venue_kind": "external", "format": "field_trip", "funding_source": "central", "lecturer_rank": "hang2"},
			} {
				var cl map[string]any
				j.must("planner@p79", http.MethodPost, "/api/v1/t/p79/plans/"+plan.ID+"/classes", c, &cl)
			}
			j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/plans/"+plan.ID, nil, &plan)
			if len(plan.AvailableActions) != 1 || plan.AvailableActions[0] != "submit" {
				t.Fatalf("planner's actions on a draft: %v", plan.AvailableActions)
			}
			if st := j.fire("approver@p79", plan.ID, "submit", "", nil); st != http.StatusForbidden {
				t.Fatalf("approver submitting: %d", st)
			}
			if st := j.fire("planner@p79", plan.ID, "submit", "", nil); st != http.StatusOK {
				t.Fatalf("submit: %d", st)
			}
			if st := j.call("planner@p79", http.MethodPost, "/api/v1/t/p79/plans/"+plan.ID+"/classes", map[string]any{"learners": 5}, nil); st < 400 {
				t.Fatalf("editing a submitted plan: %d", st)
			}
			var inbox struct {
				Items []struct {
					Tenant    string `json:"tenant"`
					SubjectID string `json:"subject_id"`
				} `json:"items"`
			}
			j.must("approver@p79", http.MethodGet, "/api/v1/inbox", nil, &inbox)
			if len(inbox.Items) != 1 || inbox.Items[0].SubjectID != plan.ID {
				t.Fatalf("approver inbox: %+v", inbox)
			}
			if st := j.fire("approver@p79", plan.ID, "approve", "Đồng ý trình UBND", nil); st != http.StatusOK {
				t.Fatalf("approve: %d", st)
			}
			pdf := j.upload("committee_recorder@p79", "p79")
			decision := map[string]string{"decision_number": "1234/QĐ-UBND", "decision_date": "20/12/2026", "decision_pdf": pdf}
			if st := j.fire("committee_recorder@p79", plan.ID, "record_decision", "", decision); st != http.StatusOK {
				t.Fatalf("record decision: %d", st)
			}
			j.must("central_reviewer@tw", http.MethodGet, "/api/v1/inbox", nil, &inbox)
			found := false
			for _, it := range inbox.Items {
				found = found || (it.Tenant == "p79" && it.SubjectID == plan.ID)
			}
			if !found {
				t.Fatalf("central reviewer's inbox lacks p79's plan: %+v", inbox)
			}
			if st := j.fire("central_reviewer@tw", plan.ID, "return", "", nil); st != http.StatusUnprocessableEntity {
				t.Fatalf("return without comment: %d", st)
			}
			if st := j.fire("central_reviewer@tw", plan.ID, "return", "Lớp 3 trùng nội dung với chương trình TW tổ chức, đề nghị điều chỉnh", nil); st != http.StatusOK {
				t.Fatalf("central return: %d", st)
			}
			j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/plans/"+plan.ID, nil, &plan)
			if plan.Status != "returned" {
				t.Fatalf("status after return: %q", plan.Status)
			}
			var cl map[string]any
			j.must("planner@p79", http.MethodPost, "/api/v1/t/p79/plans/"+plan.ID+"/classes",
				map[string]any{"program_id": progID("TW2-CB"), "learners": 80, "start_date": "2027-08-02", "end_date": "2027-08-04", "place": "Nhà Văn hóa Thanh niên", "venue_kind": "external", "format": "in_person", "funding_source": "local", "lecturer_rank": "hang3"}, &cl)
			if st := j.fire("planner@p79", plan.ID, "submit", "Đã điều chỉnh lớp 3 theo ý kiến Trung ương", nil); st != http.StatusOK {
				t.Fatalf("resubmit: %d", st)
			}
			j.fire("approver@p79", plan.ID, "approve", "", nil)
			j.fire("committee_recorder@p79", plan.ID, "record_decision", "", decision)
			if st := j.fire("central_reviewer@tw", plan.ID, "central_approve", "Phê duyệt", nil); st != http.StatusOK {
				t.Fatalf("central approve: %d", st)
			}
			j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/plans/"+plan.ID, nil, &plan)
			if plan.Status != "approved" {
				t.Fatalf("final status %q", plan.Status)
			}
			var versions struct {
				Items []map[string]any `json:"items"`
			}
			j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/plans/"+plan.ID+"/versions", nil, &versions)
			if len(versions.Items) < 2 {
				t.Fatalf("versions kept: %d, want both submissions", len(versions.Items))
			}
			var hist struct {
				Items []struct {
					Action  string `json:"action"`
					Comment string `json:"comment"`
				} `json:"items"`
			}
			j.must("planner@p79", http.MethodGet, "/api/v1/t/p79/plans/"+plan.ID+"/history", nil, &hist)
			var acts []string
			for _, h := range hist.Items {
				acts = append(acts, h.Action)
			}
			if got := strings.Join(acts, ","); got != "submit,approve,record_decision,return,submit,approve,record_decision,central_approve" {
				t.Fatalf("history: %s", got)
			}
			// A p01 planner cannot see or act on p79's plan (same 404 as a missing plan).
			if st := j.call("planner@p01", http.MethodPost, "/api/v1/t/p79/plans/"+plan.ID+"/transitions", map[string]any{"action": "submit"}, nil); st != http.StatusNotFound {
				t.Fatalf("foreign tenant: %d", st)
			}
			// The national estimate is compiled from the approved plan's central lines.
			if st := j.call("central_admin@tw", http.MethodPost, "/api/v1/t/tw/budget-estimates/2027/recompute", nil, nil); st != http.StatusOK {
				t.Fatalf("recompute: %d", st)
			}
			var est struct {
				Total int64 `json:"total"`
				Plans int   `json:"plans"`
			}
			j.must("central_viewer@tw", http.MethodGet, "/api/v1/t/tw/budget-estimates/2027", nil, &est)
			if est.Plans != 1 || est.Total <= 0 {
				t.Fatalf("estimate: %+v", est)
			}
			st, hdr, body := e.doH(http.MethodGet, "/api/v1/t/tw/budget-estimates/2027/export", e.user("central_admin", "tw").Token, "")
			if st != http.StatusOK || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") || !bytes.HasPrefix(body, []byte("PK")) {
				t.Fatalf("export: %d %s", st, hdr.Get("Content-Type"))
			}
		})
	}
}
