package budget

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// Casbin object and actions of the rate-table routes (the values of
// core/authz.ObjRate, ActRead, ActWrite; that adapter is not imported).
const (
	objRate  = "rate"
	actRead  = "read"
	actWrite = "write"
)

type api struct {
	svc  *Service
	idem *web.Idempotency
}

// RegisterAPI registers the rate-table routes under /api/v1/t/:tenant.
func RegisterAPI(s *web.Server, svc *Service, idem *web.Idempotency) {
	a := &api{svc: svc, idem: idem}
	r := func(method, path, act string, h web.HandlerFunc, d web.Doc) {
		d.Tags = []string{"rates"}
		s.TenantAPI(method, path, objRate, act, h)
		s.Document(method, "/api/v1/t/:tenant"+path, d)
	}
	r(http.MethodGet, "/rates", actRead, a.list, web.Doc{Summary: "Các bảng định mức chi của đơn vị, mới nhất trước",
		Response: web.List[RateTable]{}, Query: map[string]string{"limit": "số dòng (≤200)", "offset": "vị trí bắt đầu"}})
	r(http.MethodPost, "/rates", actWrite, a.idem.Wrap(a.create), web.Doc{Summary: "Thêm bảng định mức chi",
		Request: RateInput{}, Response: RateTable{}, Status: http.StatusCreated})
	r(http.MethodGet, "/rates/:id", actRead, a.get, web.Doc{Summary: "Một bảng định mức chi", Response: RateTable{}})
	r(http.MethodPut, "/rates/:id", actWrite, a.update, web.Doc{Summary: "Sửa bảng định mức chi (thay toàn bộ khoản chi)",
		Request: RateInput{}, Response: RateTable{}})
	r(http.MethodDelete, "/rates/:id", actWrite, a.delete, web.Doc{Summary: "Xóa bảng định mức chi", Status: http.StatusNoContent})
	r(http.MethodGet, "/rate-items", actRead, a.catalog, web.Doc{Summary: "Danh mục khoản chi, đơn vị tính và nguồn kinh phí",
		Response: rateCatalog{}})
}

// list: GET /api/v1/t/:tenant/rates
func (a *api) list(c *gin.Context) error {
	page, err := web.PageOf(c)
	if err != nil {
		return err
	}
	ts, err := a.svc.ListRates(c.Request.Context(), web.TenantOf(c).ID)
	if err != nil {
		return err
	}
	lo, hi := min(page.Offset, len(ts)), min(page.Offset+page.Limit, len(ts))
	c.JSON(http.StatusOK, web.NewList(ts[lo:hi], len(ts), page))
	return nil
}

// create: POST /api/v1/t/:tenant/rates
func (a *api) create(c *gin.Context) error {
	var in RateInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	t, err := a.svc.CreateRates(c.Request.Context(), web.TenantOf(c).ID, in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, t)
	return nil
}

// get: GET /api/v1/t/:tenant/rates/:id
func (a *api) get(c *gin.Context) error {
	t, err := a.svc.GetRates(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

// update: PUT /api/v1/t/:tenant/rates/:id
func (a *api) update(c *gin.Context) error {
	var in RateInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	t, err := a.svc.UpdateRates(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

// delete: DELETE /api/v1/t/:tenant/rates/:id
func (a *api) delete(c *gin.Context) error {
	if err := a.svc.DeleteRates(c.Request.Context(), web.TenantOf(c).ID, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// Named is a code with its Vietnamese name.
type Named struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type rateCatalog struct {
	Items          []Named `json:"items"`
	Units          []Named `json:"units"`
	FundingSources []Named `json:"funding_sources"`
	SessionHours   int     `json:"session_hours"`
}

// catalog: GET /api/v1/t/:tenant/rate-items
func (a *api) catalog(c *gin.Context) error {
	var rc rateCatalog
	for _, it := range Items {
		rc.Items = append(rc.Items, Named{it, ItemNames[it]})
	}
	for _, u := range []string{UnitSession, UnitLearner, UnitDay, UnitLearnerDay, UnitClass} {
		rc.Units = append(rc.Units, Named{u, UnitNames[u]})
	}
	for _, s := range FundingSources {
		rc.FundingSources = append(rc.FundingSources, Named{s, SourceNames[s]})
	}
	rc.SessionHours = SessionHours
	c.JSON(http.StatusOK, rc)
	return nil
}

// DecodeJSON reads a JSON request body into v, refusing unknown fields, with
// Vietnamese messages naming the offending field. The plan routes use it too.
func DecodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return core.Invalid("Thiếu dữ liệu gửi lên.")
	case errors.As(err, &te):
		return core.Invalid("Dữ liệu gửi lên không hợp lệ.", core.FieldError{Field: te.Field, Message: "Sai kiểu dữ liệu."})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return core.Invalid("Dữ liệu gửi lên không hợp lệ.", core.FieldError{Field: f, Message: "Trường này không được hỗ trợ."})
	case strings.HasPrefix(err.Error(), "date "):
		return core.Invalid("Dữ liệu gửi lên không hợp lệ.", core.FieldError{Field: "date", Message: "Ngày phải có dạng YYYY-MM-DD."})
	}
	return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.")
}
