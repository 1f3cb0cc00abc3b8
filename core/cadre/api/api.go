// Package api serves the cadre roster as JSON under /api/v1/t/:tenant/…:
// units, cadres (list with search, filters and paging; sensitive fields on a
// separate, audited read), positions, planning pool, training history
// (enrolments), transfers, Excel imports and XLSX/CSV exports. Every route
// goes through web.Server's guard with object "unit" or "cadre"; creating
// routes accept an Idempotency-Key.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/web"
)

// Options are the collaborators the routes need besides the roster.
type Options struct {
	// Tenants checks the target of a transfer (nil: not checked here).
	Tenants roster.TenantDirectory
	// Idempotency replays creates sent again with the same Idempotency-Key
	// (nil: keys are ignored).
	Idempotency *web.Idempotency
	// Log records failures that can no longer reach the client (an export
	// broken off after its first bytes); default slog.Default().
	Log *slog.Logger
}

// API holds the handlers.
type API struct {
	srv     *web.Server
	roster  *roster.Service
	imports *importer.Importer
	opt     Options
}

var tagUnits, tagCadres, tagImports = []string{"Đơn vị trực thuộc"}, []string{"Cán bộ"}, []string{"Nhập, xuất Excel"}

// Register adds every roster route to srv.
func Register(srv *web.Server, r *roster.Service, im *importer.Importer, opt Options) *API {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	a := &API{srv: srv, roster: r, imports: im, opt: opt}
	a.unitRoutes()
	a.cadreRoutes()
	a.enrolmentRoutes()
	a.transferRoutes()
	a.importRoutes()
	return a
}

// route registers a tenant API route with its documentation.
func (a *API) route(method, path, obj, act string, h web.HandlerFunc, d web.Doc) {
	if method == http.MethodPost && (d.Status == http.StatusCreated || path == "/cadres/imports") {
		h = a.opt.Idempotency.Wrap(h)
	}
	a.srv.TenantAPI(method, path, obj, act, h)
	a.srv.Document(method, "/api/v1/t/:tenant"+path, d)
}

// Object and action names (Casbin).
const (
	objUnit, objCadre = authz.ObjUnit, authz.ObjCadre
	actRead, actWrite = authz.ActRead, authz.ActWrite
)

var pageDoc = map[string]string{"limit": "số dòng mỗi trang (1–200, mặc định 50)", "offset": "bỏ qua bao nhiêu dòng"}

func withPage(q map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range pageDoc {
		out[k] = v
	}
	for k, v := range q {
		out[k] = v
	}
	return out
}

// ctx returns the request context carrying the caller's address for audits.
func ctxOf(c *gin.Context) *gin.Context {
	c.Request = c.Request.WithContext(roster.WithClientIP(c.Request.Context(), c.ClientIP()))
	return c
}

// decode reads a JSON body, refusing unknown fields so typos are not lost.
func decode(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return core.Invalid("Thiếu dữ liệu gửi lên (JSON).")
		}
		return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON: " + err.Error())
	}
	return nil
}

// boolQuery reads ?name=true|false|1|0.
func boolQuery(c *gin.Context, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: name, Message: "phải là true hoặc false"})
	}
	return b, nil
}

func tenantOf(c *gin.Context) string { return web.TenantOf(c).ID }

func created(c *gin.Context, location string, v any) error {
	c.Header("Location", location)
	c.JSON(http.StatusCreated, v)
	return nil
}
