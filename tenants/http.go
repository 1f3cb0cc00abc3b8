package tenants

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/web"
)

// Routes registers the registry's API under /api/v1/t/:tenant:
//
//	GET  /tenants        object "tenant", action "read"   (tw: every tenant; others: themselves)
//	GET  /tenants/:slug  object "tenant", action "read"   (with the name history)
//	POST /tenants        object "tenant", action "create" (tw only)
func (s *Store) Routes(srv *web.Server) {
	tags := []string{"Đơn vị"}
	page := map[string]string{"limit": "số dòng mỗi trang (1–200, mặc định 50)", "offset": "bỏ qua bao nhiêu dòng"}
	srv.TenantAPI(http.MethodGet, "/tenants", "tenant", "read", s.listAPI)
	srv.Document(http.MethodGet, "/api/v1/t/:tenant/tenants", web.Doc{Tags: tags, Response: web.List[core.Tenant]{},
		Summary: "Danh sách đơn vị: Trung ương Đoàn xem toàn bộ; đơn vị khác chỉ thấy chính mình. Tên là tên hiện hành.",
		Query: map[string]string{"kind": "central | province | ministry | affiliated", "status": "active | ended",
			"limit": page["limit"], "offset": page["offset"]}})
	srv.TenantAPI(http.MethodGet, "/tenants/:slug", "tenant", "read", s.getAPI)
	srv.Document(http.MethodGet, "/api/v1/t/:tenant/tenants/:slug", web.Doc{Tags: tags, Response: Detail{},
		Summary: "Một đơn vị kèm lịch sử tên (tên và ngày bắt đầu có hiệu lực). Ngoài Trung ương Đoàn, chỉ xem được chính mình."})
	srv.TenantAPI(http.MethodPost, "/tenants", "tenant", "create", s.createAPI)
	srv.Document(http.MethodPost, "/api/v1/t/:tenant/tenants", web.Doc{Tags: tags, Status: http.StatusCreated,
		Summary:  "Tạo đơn vị mới (chỉ Trung ương Đoàn, tại /t/tw). Mã đơn vị của tỉnh/thành là p + mã tỉnh 2 chữ số.",
		Request:  TenantInput{Slug: "p99", Name: "Tỉnh Đoàn Thử Nghiệm", Kind: core.TenantProvince, Code: "99"},
		Response: core.Tenant{}})
}

// Detail is a tenant with its name history.
type Detail struct {
	core.Tenant
	Names []core.TenantName `json:"names"`
}

// listAPI answers GET /tenants?kind=&status=. The central office sees the
// whole registry; any other tenant sees only itself (siblings are other
// tenants' business).
func (s *Store) listAPI(c *gin.Context) error {
	p, err := web.PageOf(c)
	if err != nil {
		return err
	}
	self := web.TenantOf(c)
	var all []core.Tenant
	if self.ID == core.CentralTenant {
		f := ListFilter{Kind: c.Query("kind"), Status: c.Query("status")}
		if all, err = s.List(c.Request.Context(), f); err != nil {
			return core.Internal(err, "list tenants")
		}
	} else if (c.Query("kind") == "" || c.Query("kind") == self.Kind) && (c.Query("status") == "" || c.Query("status") == self.Status) {
		all = []core.Tenant{self}
	}
	total := len(all)
	lo, hi := min(p.Offset, total), min(p.Offset+p.Limit, total)
	c.JSON(http.StatusOK, web.NewList(all[lo:hi], total, p))
	return nil
}

// getAPI answers GET /tenants/:slug. Outside the central office only the
// tenant itself is visible; any other slug answers like a missing one.
func (s *Store) getAPI(c *gin.Context) error {
	slug := c.Param("slug")
	if self := web.TenantOf(c); self.ID != core.CentralTenant && slug != self.ID {
		return notFound()
	}
	t, err := s.Get(c.Request.Context(), slug)
	if err != nil {
		return err
	}
	names, err := s.Names(c.Request.Context(), slug)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, Detail{Tenant: t, Names: names})
	return nil
}

// createAPI answers POST /tenants (tw only) with the new tenant, 201.
func (s *Store) createAPI(c *gin.Context) error {
	if web.TenantOf(c).ID != core.CentralTenant {
		return core.Errorf(core.EFORBIDDEN, "Chỉ Trung ương Đoàn được tạo đơn vị mới.")
	}
	var in TenantInput
	if err := json.NewDecoder(c.Request.Body).Decode(&in); err != nil {
		return core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.")
	}
	p, _ := core.PrincipalFrom(c.Request.Context())
	t, err := s.Create(c.Request.Context(), p, in)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/t/"+core.CentralTenant+"/tenants/"+t.ID)
	c.JSON(http.StatusCreated, t)
	return nil
}
