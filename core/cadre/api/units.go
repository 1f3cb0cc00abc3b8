package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/web"
)

func (a *API) unitRoutes() {
	example := cadre.UnitInput{ParentID: "", Code: "X01", Name: "Đoàn xã Tân Nhựt", Level: cadre.LevelCoSo, DifficultArea: true}
	a.route(http.MethodGet, "/units", objUnit, actRead, a.listUnits, web.Doc{Tags: tagUnits, Response: web.List[cadre.Unit]{},
		Summary: "Danh sách đơn vị trực thuộc (cây đơn vị), sắp theo tên.",
		Query: withPage(map[string]string{"parent": "chỉ các đơn vị con trực tiếp của đơn vị này", "roots": "true: chỉ đơn vị gốc",
			"under": "cả cây đơn vị dưới đơn vị này (gồm chính nó)", "level": "tw | tinh | huyen | co_so | chi_doan",
			"q": "tìm theo tên (không phân biệt dấu) hoặc mã", "active_on": "chỉ đơn vị còn hoạt động vào ngày yyyy-mm-dd"})})
	a.route(http.MethodPost, "/units", objUnit, actWrite, a.createUnit, web.Doc{Tags: tagUnits, Status: http.StatusCreated,
		Summary: "Tạo đơn vị. Cấp phải thấp hơn cấp của đơn vị cấp trên; mã là duy nhất trong đơn vị.", Request: example, Response: cadre.Unit{}})
	a.route(http.MethodGet, "/units/:id", objUnit, actRead, a.getUnit, web.Doc{Tags: tagUnits, Response: cadre.Unit{},
		Summary: "Một đơn vị."})
	a.route(http.MethodPut, "/units/:id", objUnit, actWrite, a.updateUnit, web.Doc{Tags: tagUnits, Request: example, Response: cadre.Unit{},
		Summary: "Sửa đơn vị; đổi đơn vị cấp trên thì chuyển cả cây đơn vị con. Đơn vị ngừng hoạt động: đặt valid_to."})
	a.route(http.MethodDelete, "/units/:id", objUnit, actWrite, a.deleteUnit, web.Doc{Tags: tagUnits, Status: http.StatusNoContent,
		Summary: "Xóa đơn vị tạo nhầm (không có đơn vị con, chưa từng có cán bộ)."})
}

func (a *API) listUnits(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	roots, err := boolQuery(c, "roots")
	if err != nil {
		return err
	}
	on, err := cadre.ParseISO(c.Query("active_on"))
	if err != nil {
		return core.Invalid("Tham số không hợp lệ.", core.FieldError{Field: "active_on", Message: "phải là ngày yyyy-mm-dd"})
	}
	f := roster.UnitFilter{ParentID: c.Query("parent"), Roots: roots, Under: c.Query("under"), Level: c.Query("level"),
		Q: c.Query("q"), ActiveOn: on, Limit: p.Limit, Offset: p.Offset}
	us, total, err := a.roster.ListUnits(c.Request.Context(), tenantOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(us, total, p))
	return nil
}

func (a *API) createUnit(c *gin.Context) error {
	var in cadre.UnitInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := a.roster.CreateUnit(c.Request.Context(), tenantOf(c), in)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/units/"+u.ID, u)
}

func (a *API) getUnit(c *gin.Context) error {
	u, err := a.roster.GetUnit(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}

func (a *API) updateUnit(c *gin.Context) error {
	var in cadre.UnitInput
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := a.roster.UpdateUnit(c.Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, u)
	return nil
}

func (a *API) deleteUnit(c *gin.Context) error {
	if err := a.roster.DeleteUnit(c.Request.Context(), tenantOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
