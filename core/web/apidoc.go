package web

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/gin-gonic/gin"
)

// Doc documents one API route for the OpenAPI document.
type Doc struct {
	Summary string
	Tags    []string
	// Request and Response are example values of the JSON bodies (their Go
	// types become schemas); nil means none or not JSON.
	Request  any
	Response any
	// Status of a successful response (default 200).
	Status int
	// Query lists query parameters: name → description.
	Query map[string]string
	// ContentType of a non-JSON request body (multipart/form-data, application/yaml…).
	RequestType string
	// ResponseType of a non-JSON response (text/csv, application/vnd.openxmlformats…).
	ResponseType string
}

type docKey struct{ method, path string }

// Document attaches documentation to a route (full gin path, e.g.
// /api/v1/t/:tenant/plans). Every /api route must be documented; a test
// enforces it.
func (s *Server) Document(method, path string, d Doc) {
	if s.docs == nil {
		s.docs = map[docKey]Doc{}
	}
	s.docs[docKey{method, path}] = d
}

// Undocumented lists API routes without documentation.
func (s *Server) Undocumented() []string {
	var out []string
	for _, r := range s.specs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		if _, ok := s.docs[docKey{r.Method, r.Path}]; !ok {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	sort.Strings(out)
	return out
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// OpenAPI builds the OpenAPI 3 document of every documented API route.
func (s *Server) OpenAPI(version string) (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "doanbd API", Version: version,
			Description: "API của hệ thống quản lý bồi dưỡng cán bộ Đoàn 2023–2027 (Quyết định 489/QĐ-TTg). Lỗi trả về dạng application/problem+json (RFC 9457)."},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme().WithBearerFormat("opaque")}
	gen := openapi3gen.NewGenerator(openapi3gen.UseAllExportedFields())
	problem, err := gen.NewSchemaRefForValue(problem{}, doc.Components.Schemas)
	if err != nil {
		return nil, fmt.Errorf("problem schema: %w", err)
	}
	for _, r := range s.specs {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		d, ok := s.docs[docKey{r.Method, r.Path}]
		if !ok {
			continue
		}
		op := openapi3.NewOperation()
		op.Summary = d.Summary
		op.Tags = d.Tags
		op.OperationID = strings.ToLower(r.Method) + strings.NewReplacer("/", "_", ":", "", "{", "", "}", "", "-", "_").Replace(strings.TrimPrefix(r.Path, "/api/v1"))
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		for name, desc := range d.Query {
			op.AddParameter(openapi3.NewQueryParameter(name).WithDescription(desc).WithSchema(openapi3.NewStringSchema()))
		}
		if r.Method == http.MethodPost && r.Scope == TenantScoped {
			op.AddParameter(openapi3.NewHeaderParameter("Idempotency-Key").WithDescription("repeat-safe creation").WithSchema(openapi3.NewStringSchema()))
		}
		if r.Scope != Public {
			op.Security = &openapi3.SecurityRequirements{{"bearer": []string{}}}
		}
		switch {
		case d.RequestType != "":
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithContent(
				openapi3.NewContentWithSchema(openapi3.NewSchema(), []string{d.RequestType}))}
		case d.Request != nil:
			sr, err := gen.NewSchemaRefForValue(d.Request, doc.Components.Schemas)
			if err != nil {
				return nil, fmt.Errorf("%s %s request schema: %w", r.Method, r.Path, err)
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(sr)}
		}
		status := d.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := openapi3.NewResponse().WithDescription(http.StatusText(status))
		switch {
		case d.ResponseType != "":
			resp.WithContent(openapi3.NewContentWithSchema(openapi3.NewSchema(), []string{d.ResponseType}))
		case d.Response != nil:
			sr, err := gen.NewSchemaRefForValue(d.Response, doc.Components.Schemas)
			if err != nil {
				return nil, fmt.Errorf("%s %s response schema: %w", r.Method, r.Path, err)
			}
			resp.WithJSONSchemaRef(sr)
		}
		op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, &openapi3.ResponseRef{Value: resp}))
		errResp := openapi3.NewResponse().WithDescription("Lỗi (application/problem+json)").
			WithContent(openapi3.NewContentWithSchemaRef(problem, []string{"application/problem+json"}))
		op.Responses.Set("default", &openapi3.ResponseRef{Value: errResp})
		doc.AddOperation(ginParam.ReplaceAllString(r.Path, "{$1}"), r.Method, op)
	}
	return doc, nil
}

// ServeOpenAPI registers GET /api/v1/openapi.json. Call after every route is registered.
func (s *Server) ServeOpenAPI(version string) error {
	var body []byte
	s.Document(http.MethodGet, "/api/v1/openapi.json", Doc{Summary: "Tài liệu OpenAPI 3 của API", Tags: []string{"meta"}})
	s.Public(http.MethodGet, "/api/v1/openapi.json", func(c *gin.Context) error {
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return nil
	})
	doc, err := s.OpenAPI(version)
	if err != nil {
		return err
	}
	if body, err = doc.MarshalJSON(); err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	return nil
}
