package plan

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/web"
)

// Casbin objects and actions of the plan routes (the values of core/authz
// ObjPlan, ObjBudget, ActRead, ActWrite; that adapter is not imported).
const (
	objPlan   = "plan"
	objBudget = "budget"
	actRead   = "read"
	actWrite  = "write"
)

// ActionsProvider tells which workflow actions the caller may take now on a
// subject ("plan" here). The workflow engine implements it; until it is
// wired, no actions are offered.
type ActionsProvider interface {
	AvailableActions(ctx context.Context, tenant, subject, id, status string) ([]string, error)
}

// APIOptions are the collaborators of the plan routes.
type APIOptions struct {
	Actions ActionsProvider  // nil: no actions offered
	Idem    *web.Idempotency // nil: Idempotency-Key ignored
}

type api struct {
	svc     *Service
	actions ActionsProvider
	idem    *web.Idempotency
}

// RegisterAPI registers the plan, class and budget-line routes under
// /api/v1/t/:tenant, each with its OpenAPI documentation.
func RegisterAPI(s *web.Server, svc *Service, o APIOptions) {
	a := &api{svc: svc, actions: o.Actions, idem: o.Idem}
	r := func(method, path, obj, act string, h web.HandlerFunc, d web.Doc) {
		d.Tags = []string{"plans"}
		if obj == objBudget {
			d.Tags = []string{"budget"}
		}
		s.TenantAPI(method, path, obj, act, h)
		s.Document(method, "/api/v1/t/:tenant"+path, d)
	}
	r(http.MethodGet, "/plans", objPlan, actRead, a.list, web.Doc{Summary: "Danh sách kế hoạch của đơn vị",
		Response: web.List[Summary]{}, Query: map[string]string{
			"kind": "period | annual", "year": "năm", "status": "trạng thái", "unit_id": "đơn vị lập kế hoạch con",
			"parent_plan_id": "các kế hoạch con của một kế hoạch", "top": "true: bỏ qua kế hoạch con",
			"limit": "số dòng (≤200)", "offset": "vị trí bắt đầu"}})
	r(http.MethodPost, "/plans", objPlan, actWrite, a.idem.Wrap(a.create), web.Doc{
		Summary: "Tạo kế hoạch giai đoạn hoặc kế hoạch năm (bản nháp); có unit_id là kế hoạch con",
		Request: CreateInput{}, Response: View{}, Status: http.StatusCreated})
	r(http.MethodGet, "/plans/:id", objPlan, actRead, a.get, web.Doc{
		Summary: "Kế hoạch: lớp, dự toán, tổng hợp, kế hoạch con, chỉ tiêu, cảnh báo và thao tác được phép", Response: View{}})
	r(http.MethodPatch, "/plans/:id", objPlan, actWrite, a.update, web.Doc{Summary: "Sửa tên, ghi chú kế hoạch",
		Request: Patch{}, Response: Plan{}})
	r(http.MethodDelete, "/plans/:id", objPlan, actWrite, a.delete, web.Doc{Summary: "Xóa bản nháp chưa từng gửi duyệt",
		Status: http.StatusNoContent})
	r(http.MethodPut, "/plans/:id/targets", objPlan, actWrite, a.targets, web.Doc{
		Summary: "Đặt chỉ tiêu theo năm của kế hoạch giai đoạn", Request: targetList{}, Response: targetList{}})
	r(http.MethodGet, "/plans/:id/progress", objPlan, actRead, a.progress, web.Doc{
		Summary: "Chỉ tiêu giai đoạn so với kế hoạch năm, từng năm", Response: progressList{}})
	r(http.MethodGet, "/plans/:id/versions", objPlan, actRead, a.versions, web.Doc{
		Summary: "Các phiên bản đã gửi duyệt", Response: versionList{}})
	r(http.MethodGet, "/plans/:id/versions/:version", objPlan, actRead, a.version, web.Doc{
		Summary: "Một phiên bản đã gửi duyệt (toàn bộ kế hoạch)", Response: Version{}})
	r(http.MethodPost, "/plans/:id/classes", objPlan, actWrite, a.idem.Wrap(a.addClass), web.Doc{
		Summary: "Thêm lớp vào kế hoạch năm; dự toán được tính ngay", Request: ClassInput{}, Response: ClassView{}, Status: http.StatusCreated})
	r(http.MethodPut, "/plans/:id/classes/:cid", objPlan, actWrite, a.updateClass, web.Doc{
		Summary: "Sửa lớp; dự toán được tính lại (giữ các khoản đã điều chỉnh)", Request: ClassInput{}, Response: ClassView{}})
	r(http.MethodDelete, "/plans/:id/classes/:cid", objPlan, actWrite, a.deleteClass, web.Doc{
		Summary: "Xóa lớp khỏi kế hoạch", Status: http.StatusNoContent})
	r(http.MethodGet, "/plans/:id/lines", objBudget, actRead, a.lines, web.Doc{
		Summary: "Các dòng dự toán của kế hoạch và tổng theo nguồn kinh phí", Response: lineList{}})
	r(http.MethodPost, "/plans/:id/classes/:cid/lines/recompute", objBudget, actWrite, a.recompute, web.Doc{
		Summary: "Tính lại dự toán của lớp theo định mức đang hiệu lực", Response: ClassView{}})
	r(http.MethodPut, "/plans/:id/lines/:lid/override", objBudget, actWrite, a.override, web.Doc{
		Summary: "Điều chỉnh số tiền một dòng dự toán (bắt buộc nêu lý do)", Request: overrideInput{}, Response: budget.Line{}})
	r(http.MethodDelete, "/plans/:id/lines/:lid/override", objBudget, actWrite, a.clearOverride, web.Doc{
		Summary: "Bỏ điều chỉnh, trở về số tiền tính theo định mức", Response: budget.Line{}})
}

type targetList struct {
	Targets []Target `json:"targets"`
}

type progressList struct {
	Items []YearProgress `json:"items"`
}

type versionList struct {
	Items []Version `json:"items"`
}

type lineList struct {
	Items  []budget.Line `json:"items"`
	Totals budget.Totals `json:"totals"`
}

type overrideInput struct {
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
}

// list: GET /api/v1/t/:tenant/plans
func (a *api) list(c *gin.Context) error {
	page, err := web.PageOf(c)
	if err != nil {
		return err
	}
	f := ListFilter{Kind: c.Query("kind"), Status: c.Query("status"), UnitID: c.Query("unit_id"),
		ParentPlanID: c.Query("parent_plan_id"), Top: c.Query("top") == "true", Limit: page.Limit, Offset: page.Offset}
	if y := c.Query("year"); y != "" {
		if f.Year, err = strconv.Atoi(y); err != nil {
			return core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: "year", Message: "Năm phải là số."})
		}
	}
	items, total, err := a.svc.List(c.Request.Context(), web.TenantOf(c).ID, f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(items, total, page))
	return nil
}

// view reads a plan with the caller's available actions.
func (a *api) view(ctx context.Context, tenant, id string) (*View, error) {
	v, err := a.svc.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if a.actions != nil {
		acts, err := a.actions.AvailableActions(ctx, tenant, objPlan, v.ID, v.Status)
		if err != nil {
			return nil, err
		}
		if acts != nil {
			v.AvailableActions = acts
		}
	}
	return v, nil
}

// create: POST /api/v1/t/:tenant/plans
func (a *api) create(c *gin.Context) error {
	var in CreateInput
	if err := budget.DecodeJSON(c, &in); err != nil {
		return err
	}
	tenant := web.TenantOf(c).ID
	p, err := a.svc.Create(c.Request.Context(), tenant, in)
	if err != nil {
		return err
	}
	v, err := a.view(c.Request.Context(), tenant, p.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, v)
	return nil
}

// get: GET /api/v1/t/:tenant/plans/:id
func (a *api) get(c *gin.Context) error {
	v, err := a.view(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// update: PATCH /api/v1/t/:tenant/plans/:id
func (a *api) update(c *gin.Context) error {
	var patch Patch
	if err := budget.DecodeJSON(c, &patch); err != nil {
		return err
	}
	p, err := a.svc.Update(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), patch)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, p)
	return nil
}

// delete: DELETE /api/v1/t/:tenant/plans/:id
func (a *api) delete(c *gin.Context) error {
	if err := a.svc.Delete(c.Request.Context(), web.TenantOf(c).ID, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// targets: PUT /api/v1/t/:tenant/plans/:id/targets
func (a *api) targets(c *gin.Context) error {
	var in targetList
	if err := budget.DecodeJSON(c, &in); err != nil {
		return err
	}
	ts, err := a.svc.SetTargets(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), in.Targets)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []Target{}
	}
	c.JSON(http.StatusOK, targetList{Targets: ts})
	return nil
}

// progress: GET /api/v1/t/:tenant/plans/:id/progress
func (a *api) progress(c *gin.Context) error {
	v, err := a.svc.Get(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	if v.Kind != KindPeriod {
		return core.Errorf(core.EINVALID, "Chỉ kế hoạch giai đoạn mới có bảng so sánh chỉ tiêu với kế hoạch năm.")
	}
	c.JSON(http.StatusOK, progressList{Items: v.Progress})
	return nil
}

// versions: GET /api/v1/t/:tenant/plans/:id/versions
func (a *api) versions(c *gin.Context) error {
	vs, err := a.svc.Versions(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, versionList{Items: vs})
	return nil
}

// version: GET /api/v1/t/:tenant/plans/:id/versions/:version
func (a *api) version(c *gin.Context) error {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy phiên bản của kế hoạch.")
	}
	v, err := a.svc.GetVersion(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), n)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}
