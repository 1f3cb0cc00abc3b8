package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
)

type sampleIn struct {
	Title    string `json:"title"`
	Learners int    `json:"learners"`
}

type sampleOut struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
}

func TestOpenAPIIsValidAndComplete(t *testing.T) {
	s, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(c *gin.Context) error { return nil }
	s.TenantAPI(http.MethodPost, "/plans", "plan", "write", ok)
	s.TenantAPI(http.MethodGet, "/plans/:id", "plan", "read", ok)
	s.Authed(http.MethodGet, "/api/v1/inbox", "inbox", "read", ok)
	s.TenantPage(http.MethodGet, "/plans", "plan", "read", ok) // pages need no API docs

	if got := s.Undocumented(); len(got) != 3 {
		t.Fatalf("undocumented = %v, want the 3 API routes", got)
	}
	s.Document(http.MethodPost, "/api/v1/t/:tenant/plans", Doc{Summary: "Tạo kế hoạch", Request: sampleIn{}, Response: sampleOut{}, Status: 201})
	s.Document(http.MethodGet, "/api/v1/t/:tenant/plans/:id", Doc{Summary: "Xem kế hoạch", Response: sampleOut{}})
	s.Document(http.MethodGet, "/api/v1/inbox", Doc{Summary: "Hộp việc", Response: sampleOut{}})
	if err := s.ServeOpenAPI("test"); err != nil {
		t.Fatal(err)
	}
	if got := s.Undocumented(); len(got) != 0 {
		t.Fatalf("still undocumented: %v", got)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	op := doc.Paths.Find("/api/v1/t/{tenant}/plans/{id}")
	if op == nil || op.Get == nil || len(op.Get.Parameters) != 2 {
		t.Fatalf("path parameters missing: %+v", op)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
}
