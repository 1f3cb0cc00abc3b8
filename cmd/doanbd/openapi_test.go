package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"doanbd/core/sqldb"
)

// TestOpenAPIDocumentsEveryRoute builds the app as `serve` does and checks
// that /api/v1/openapi.json is a valid OpenAPI 3 document (kin-openapi's
// loader and validator) and documents every API route registered.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newIsoEnv(t, sqldb.SQLite)
	if missing := e.app.Web.Undocumented(); len(missing) != 0 {
		t.Fatalf("API routes without documentation:\n%v", missing)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json: %d", rec.Code)
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	n := 0
	for _, r := range e.app.Web.Routes() {
		if len(r.Path) > 5 && r.Path[:5] == "/api/" {
			n++
			if doc.Paths.Find(ginParam.ReplaceAllString(r.Path, "{$1}")) == nil {
				t.Errorf("%s %s missing from the document", r.Method, r.Path)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d API routes: the app was not fully built", n)
	}
}
