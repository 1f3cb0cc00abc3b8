package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
)

func TestEnrolmentAPI(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		e := setup(t, db)
		base := "/api/v1/t/p79"
		r := e.do("admin", http.MethodPost, base+"/units", map[string]any{"code": "TD", "name": "Tỉnh đoàn", "level": "tinh"})
		want(t, r, http.StatusCreated)
		unit := r.json(t)["id"].(string)
		r = e.do("admin", http.MethodPost, base+"/cadres", map[string]any{"full_name": "Đinh Thị Học", "birth_date": "1996-02-01",
			"gender": "nu", "unit_id": unit, "employment": "chuyen_trach"})
		want(t, r, http.StatusCreated)
		id := r.json(t)["id"].(string)
		path := base + "/cadres/" + id + "/enrolments"

		body := map[string]any{"program_code": "TW2-CB", "program_name": "Kiến thức, kỹ năng cơ bản công tác Đoàn, Hội, Đội",
			"program_group": "TW2", "year": 2025, "start_on": "2025-04-01", "end_on": "2025-04-05", "hours": 40,
			"result": "completed", "completed_on": "2025-04-05", "certificate_no": "88/CC-TĐTN"}
		r = e.do("admin", http.MethodPost, path, body, "Idempotency-Key", "enrol-1")
		want(t, r, http.StatusCreated)
		first := r.json(t)
		if r.hdr.Get("Location") != path || first["origin_tenant"] != "p79" || first["result"] != "completed" {
			t.Errorf("created: %s %s", r.hdr.Get("Location"), r.body)
		}
		// The same key replays the answer: one enrolment, not two.
		r = e.do("admin", http.MethodPost, path, body, "Idempotency-Key", "enrol-1")
		want(t, r, http.StatusCreated)
		if r.json(t)["id"] != first["id"] || r.hdr.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay = %s", r.body)
		}
		// Errors come back by field, in Vietnamese.
		r = e.do("admin", http.MethodPost, path, map[string]any{"program_code": "TW2-CB", "program_name": "x", "program_group": "TW2",
			"year": 2025, "start_on": "2025-04-01", "result": "completed"})
		want(t, r, http.StatusUnprocessableEntity)
		if errs := r.json(t)["errors"].([]any); errs[0].(map[string]any)["field"] != "completed_on" {
			t.Errorf("errors = %v", errs)
		}
		r = e.do("admin", http.MethodPost, path, map[string]any{"program": "TW2-CB"})
		want(t, r, http.StatusUnprocessableEntity)
		// A reader reads the history; only a writer records.
		r = e.do("viewer", http.MethodPost, path, body)
		want(t, r, http.StatusForbidden)
		r = e.do("viewer", http.MethodGet, path, nil)
		want(t, r, http.StatusOK)
		var es []cadre.Enrolment
		if err := json.Unmarshal(r.body, &es); err != nil || len(es) != 1 || es[0].CertificateNo != "88/CC-TĐTN" ||
			es[0].StartOn != cadre.NewDate(2025, 4, 1) {
			t.Errorf("history = %s", r.body)
		}
		// Another tenant sees nothing.
		r = e.do("admin", http.MethodGet, "/api/v1/t/p01/cadres/"+id+"/enrolments", nil)
		want(t, r, http.StatusNotFound)
		r = e.do("admin", http.MethodPost, "/api/v1/t/p01/cadres/"+id+"/enrolments", body)
		want(t, r, http.StatusNotFound)
	})
}
