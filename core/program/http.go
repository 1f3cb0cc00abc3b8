package program

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// Casbin object and actions of the catalogue routes (the values of
// core/authz.ObjProgram, ActRead and ActWrite; that adapter is not imported).
const (
	objProgram = "program"
	actRead    = "read"
	actWrite   = "write"
)

// ActionsProvider tells which workflow actions the caller may take now on a
// subject ("program" here). The workflow engine implements it; until it is
// wired, no actions are offered.
type ActionsProvider interface {
	AvailableActions(ctx context.Context, tenant, subject, id, status string) ([]string, error)
}

// NoActions offers nothing: the default before the workflow engine is wired.
type NoActions struct{}

// AvailableActions implements ActionsProvider.
func (NoActions) AvailableActions(context.Context, string, string, string, string) ([]string, error) {
	return []string{}, nil
}

// APIOptions are the collaborators of the catalogue routes.
type APIOptions struct {
	Actions ActionsProvider  // nil: NoActions
	Idem    *web.Idempotency // nil: Idempotency-Key ignored
}

type api struct {
	svc     *Service
	actions ActionsProvider
	idem    *web.Idempotency
}

// RegisterAPI registers the catalogue routes under /api/v1/t/:tenant.
func RegisterAPI(s *web.Server, svc *Service, o APIOptions) {
	a := &api{svc: svc, actions: o.Actions, idem: o.Idem}
	if a.actions == nil {
		a.actions = NoActions{}
	}
	tags := []string{"programs"}
	r := func(method, path, act string, h web.HandlerFunc, d web.Doc) {
		d.Tags = tags
		s.TenantAPI(method, path, objProgram, act, h)
		s.Document(method, "/api/v1/t/:tenant"+path, d)
	}
	r(http.MethodGet, "/programs", actRead, a.list, web.Doc{
		Summary:  "Danh mục chương trình: chương trình trung ương, biến thể của đơn vị và chương trình địa phương (plugin)",
		Response: programList{}, Query: map[string]string{
			"group": "nhóm (TW1…TW6, TINH1…TINH4)", "status": "trạng thái", "q": "tìm theo mã hoặc tên, không phân biệt dấu",
			"source": "central | variant | plugin", "limit": "số dòng (≤200)", "offset": "vị trí bắt đầu"}})
	r(http.MethodGet, "/programs/:id", actRead, a.get, web.Doc{Summary: "Một chương trình", Response: programView{}})
	r(http.MethodPatch, "/programs/:id", actWrite, a.update, web.Doc{
		Summary: "Sửa biến thể ở trạng thái nháp hoặc bị trả lại", Request: VariantPatch{}, Response: programView{}})
	r(http.MethodPost, "/programs/:id/variants", actWrite, a.idem.Wrap(a.createVariant), web.Doc{
		Summary: "Tạo biến thể (bản nháp) từ một chương trình trung ương", Request: VariantInput{},
		Response: programView{}, Status: http.StatusCreated})
	r(http.MethodGet, "/programs/:id/versions", actRead, a.versions, web.Doc{
		Summary: "Các phiên bản đã gửi duyệt của biến thể", Response: versionList{}})
	r(http.MethodGet, "/programs/:id/versions/:version", actRead, a.version, web.Doc{
		Summary: "Một phiên bản đã gửi duyệt của biến thể", Response: Version{}})
	r(http.MethodGet, "/program-groups", actRead, a.groups, web.Doc{Summary: "Các nhóm chương trình", Response: groupList{}})
	r(http.MethodGet, "/program-titles", actRead, a.titles, web.Doc{
		Summary: "Các chức danh và giới hạn tuổi (chỉ để cảnh báo)", Response: titleList{}})
}

type groupList struct {
	Items []Group `json:"items"`
}

type titleList struct {
	Items []Title `json:"items"`
}

type versionList struct {
	Items []Version `json:"items"`
}

// programList is a page of the catalogue; stale marks a plugin list that may
// be out of date.
type programList struct {
	web.List[Program]
	Stale bool `json:"stale"`
}

// list: GET /api/v1/t/:tenant/programs?group=&status=&source=&q=&limit=&offset=
func (a *api) list(c *gin.Context) error {
	page, err := web.PageOf(c)
	if err != nil {
		return err
	}
	res, err := a.svc.List(c.Request.Context(), web.TenantOf(c).ID, Filter{
		Group: c.Query("group"), Status: c.Query("status"), Search: c.Query("q"), Source: c.Query("source"),
		Limit: page.Limit, Offset: page.Offset,
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, programList{List: web.NewList(res.Items, res.Total, page), Stale: res.Stale})
	return nil
}

// programView is a programme with what the caller may do with it now.
type programView struct {
	*Program
	AvailableActions []string `json:"available_actions"`
}

func (a *api) view(ctx context.Context, tenant string, p *Program) (programView, error) {
	v := programView{Program: p, AvailableActions: []string{}}
	if p.TenantID != tenant {
		return v, nil // the central catalogue seen by another tenant: nothing to act on
	}
	acts, err := a.actions.AvailableActions(ctx, tenant, objProgram, p.ID, p.Status)
	if err != nil {
		return v, err
	}
	if acts != nil {
		v.AvailableActions = acts
	}
	return v, nil
}

// get: GET /api/v1/t/:tenant/programs/:id
func (a *api) get(c *gin.Context) error {
	tenant := web.TenantOf(c).ID
	p, err := a.svc.Get(c.Request.Context(), tenant, c.Param("id"))
	return a.respond(c, http.StatusOK, tenant, p, err)
}

// createVariant: POST /api/v1/t/:tenant/programs/:id/variants
func (a *api) createVariant(c *gin.Context) error {
	var in VariantInput
	if err := decodeJSON(c, &in, true); err != nil {
		return err
	}
	tenant := web.TenantOf(c).ID
	p, err := a.svc.CreateVariant(c.Request.Context(), tenant, c.Param("id"), in)
	return a.respond(c, http.StatusCreated, tenant, p, err)
}

// update: PATCH /api/v1/t/:tenant/programs/:id (variants in draft only)
func (a *api) update(c *gin.Context) error {
	var patch VariantPatch
	if err := decodeJSON(c, &patch, false); err != nil {
		return err
	}
	tenant := web.TenantOf(c).ID
	p, err := a.svc.UpdateVariant(c.Request.Context(), tenant, c.Param("id"), patch)
	return a.respond(c, http.StatusOK, tenant, p, err)
}

// respond writes a programme with its available actions, or the error of
// the call that produced it.
func (a *api) respond(c *gin.Context, status int, tenant string, p *Program, err error) error {
	if err != nil {
		return err
	}
	v, err := a.view(c.Request.Context(), tenant, p)
	if err != nil {
		return err
	}
	c.JSON(status, v)
	return nil
}

// groups: GET /api/v1/t/:tenant/program-groups
func (a *api) groups(c *gin.Context) error {
	gs, err := a.svc.Groups(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, groupList{Items: gs})
	return nil
}

// titles: GET /api/v1/t/:tenant/program-titles
func (a *api) titles(c *gin.Context) error {
	ts, err := a.svc.Titles(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, titleList{Items: ts})
	return nil
}

// versions: GET /api/v1/t/:tenant/programs/:id/versions
func (a *api) versions(c *gin.Context) error {
	vs, err := a.svc.Versions(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []Version{}
	}
	c.JSON(http.StatusOK, versionList{Items: vs})
	return nil
}

// version: GET /api/v1/t/:tenant/programs/:id/versions/:version
func (a *api) version(c *gin.Context) error {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy phiên bản của chương trình.")
	}
	v, err := a.svc.GetVersion(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), n)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// decodeJSON reads the request body into v, refusing unknown fields, with
// Vietnamese messages naming the offending field. An empty body is accepted
// when optional.
func decodeJSON(c *gin.Context, v any, optional bool) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) && optional:
		return nil
	case errors.As(err, &te):
		return core.Invalid("Dữ liệu gửi lên không hợp lệ.", core.FieldError{Field: te.Field, Message: "Sai kiểu dữ liệu."})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return core.Invalid("Dữ liệu gửi lên không hợp lệ.", core.FieldError{Field: f, Message: "Trường này không được hỗ trợ."})
	}
	return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.")
}
