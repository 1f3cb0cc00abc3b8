package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/web"
)

// NoteInput carries an optional note (rejecting a transfer).
type NoteInput struct {
	Note string `json:"note"`
}

func (a *API) transferRoutes() {
	a.route(http.MethodPost, "/cadres/:id/transfers", objCadre, actWrite, a.proposeTransfer, web.Doc{Tags: tagCadres, Status: http.StatusCreated,
		Request:  roster.TransferInput{ToTenant: "p01", On: cadre.NewDate(2026, 1, 1), Note: "Theo nguyện vọng"},
		Response: cadre.Transfer{}, Summary: "Đề nghị chuyển cán bộ sang đơn vị khác (tỉnh, thành, bộ…); đơn vị nhận phải tiếp nhận."})
	a.route(http.MethodGet, "/transfers", objCadre, actRead, a.listTransfers, web.Doc{Tags: tagCadres, Response: web.List[cadre.Transfer]{},
		Summary: "Các đề nghị chuyển công tác đi và đến, mới nhất trước.",
		Query:   withPage(map[string]string{"direction": "in | out", "status": "pending | accepted | rejected | cancelled"})})
	a.route(http.MethodGet, "/transfers/:id", objCadre, actRead, a.getTransfer, web.Doc{Tags: tagCadres, Response: cadre.Transfer{},
		Summary: "Một đề nghị chuyển công tác."})
	a.route(http.MethodPost, "/transfers/:id/accept", objCadre, actWrite, a.acceptTransfer, web.Doc{Tags: tagCadres,
		Request: roster.AcceptInput{UnitID: "…", Title: "pho_bi_thu_xa"}, Response: cadre.Transfer{},
		Summary: "Đơn vị nhận tiếp nhận cán bộ vào một đơn vị trực thuộc: hồ sơ mới mang theo quá trình công tác; hồ sơ cũ chuyển trạng thái đã chuyển đi."})
	a.route(http.MethodPost, "/transfers/:id/reject", objCadre, actWrite, a.rejectTransfer, web.Doc{Tags: tagCadres,
		Request: NoteInput{Note: "Không đủ biên chế"}, Response: cadre.Transfer{}, Summary: "Đơn vị nhận từ chối tiếp nhận."})
	a.route(http.MethodPost, "/transfers/:id/cancel", objCadre, actWrite, a.cancelTransfer, web.Doc{Tags: tagCadres,
		Response: cadre.Transfer{}, Summary: "Đơn vị đề nghị rút lại đề nghị."})
}

func (a *API) proposeTransfer(c *gin.Context) error {
	var in roster.TransferInput
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := a.roster.ProposeTransfer(c.Request.Context(), tenantOf(c), c.Param("id"), in, a.opt.Tenants)
	if err != nil {
		return err
	}
	return created(c, "/api/v1/t/"+tenantOf(c)+"/transfers/"+t.ID, t)
}

func (a *API) listTransfers(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	f := roster.TransferFilter{Direction: c.Query("direction"), Status: c.Query("status"), Limit: p.Limit, Offset: p.Offset}
	ts, total, err := a.roster.ListTransfers(c.Request.Context(), tenantOf(c), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, web.NewList(ts, total, p))
	return nil
}

func (a *API) getTransfer(c *gin.Context) error {
	t, err := a.roster.GetTransfer(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func (a *API) acceptTransfer(c *gin.Context) error {
	var in roster.AcceptInput
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := a.roster.AcceptTransfer(ctxOf(c).Request.Context(), tenantOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func (a *API) rejectTransfer(c *gin.Context) error {
	var in NoteInput
	if c.Request.ContentLength != 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	t, err := a.roster.RejectTransfer(c.Request.Context(), tenantOf(c), c.Param("id"), in.Note)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func (a *API) cancelTransfer(c *gin.Context) error {
	t, err := a.roster.CancelTransfer(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}
