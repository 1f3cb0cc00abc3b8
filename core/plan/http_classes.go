package plan

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/web"
)

// addClass: POST /api/v1/t/:tenant/plans/:id/classes
func (a *api) addClass(c *gin.Context) error {
	var in ClassInput
	if err := budget.DecodeJSON(c, &in); err != nil {
		return err
	}
	cv, err := a.svc.AddClass(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, cv)
	return nil
}

// updateClass: PUT /api/v1/t/:tenant/plans/:id/classes/:cid
func (a *api) updateClass(c *gin.Context) error {
	var in ClassInput
	if err := budget.DecodeJSON(c, &in); err != nil {
		return err
	}
	cv, err := a.svc.UpdateClass(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), c.Param("cid"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cv)
	return nil
}

// deleteClass: DELETE /api/v1/t/:tenant/plans/:id/classes/:cid
func (a *api) deleteClass(c *gin.Context) error {
	if err := a.svc.DeleteClass(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), c.Param("cid")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// lines: GET /api/v1/t/:tenant/plans/:id/lines
func (a *api) lines(c *gin.Context) error {
	ls, err := a.svc.Lines(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, lineList{Items: ls, Totals: budget.Sum(ls)})
	return nil
}

// recompute: POST /api/v1/t/:tenant/plans/:id/classes/:cid/lines/recompute
func (a *api) recompute(c *gin.Context) error {
	cv, err := a.svc.Recompute(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), c.Param("cid"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cv)
	return nil
}

// override: PUT /api/v1/t/:tenant/plans/:id/lines/:lid/override
func (a *api) override(c *gin.Context) error {
	var in overrideInput
	if err := budget.DecodeJSON(c, &in); err != nil {
		return err
	}
	l, err := a.svc.OverrideLine(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), c.Param("lid"), in.Amount, in.Reason)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, l)
	return nil
}

// clearOverride: DELETE /api/v1/t/:tenant/plans/:id/lines/:lid/override
func (a *api) clearOverride(c *gin.Context) error {
	l, err := a.svc.ClearOverride(c.Request.Context(), web.TenantOf(c).ID, c.Param("id"), c.Param("lid"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, l)
	return nil
}

// Lines returns the budget lines of tenant's plan (its own classes).
func (s *Service) Lines(ctx context.Context, tenant, id string) ([]budget.Line, error) {
	var ls []budget.Line
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if _, err := load(ctx, q, tenant, id); err != nil {
			return err
		}
		var err error
		if ls, err = budget.PlanLines(ctx, q, tenant, id); err != nil {
			return core.Internal(err, "list plan lines")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ls == nil {
		ls = []budget.Line{}
	}
	return ls, nil
}
