package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/identity"
	"doanbd/core/web"
)

// policyCheckEvery is the safety net behind the watcher: this often a
// process checks (one indexed query) whether the stored policy changed without
// an announcement — pub/sub loses messages while a connection is down, and
// one-shot commands in the embedded mode have their own in-process Redis.
const policyCheckEvery = 5 * time.Second

// authenticator identifies the caller (identity.Service).
type authenticator interface {
	Authenticate(c *gin.Context) (core.Principal, error)
}

// tenantResolver finds the tenant named in the URL (tenants.Store).
type tenantResolver interface {
	Resolve(ctx context.Context, slug string, write bool) (core.Tenant, error)
}

// authorizer decides (authz.Service).
type authorizer interface {
	Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error
}

// guard is the web.Guard of every guarded route: who is calling (identity),
// which tenant the URL names (the registry), and whether the caller may do
// the route's action there (Casbin).
type guard struct {
	auth    authenticator
	tenants tenantResolver
	authz   authorizer
}

var _ web.Guard = (*guard)(nil)

func (g *guard) Authenticate(c *gin.Context) (core.Principal, error) { return g.auth.Authenticate(c) }

// ResolveTenant answers an unknown (or, for writes, ended) tenant with the
// same not-found the authorizer gives for a foreign one, so the two cannot be
// told apart.
func (g *guard) ResolveTenant(ctx context.Context, slug string, write bool) (core.Tenant, error) {
	t, err := g.tenants.Resolve(ctx, slug, write)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.Tenant{}, authz.ErrHidden()
	}
	return t, err
}

func (g *guard) Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error {
	return g.authz.Authorize(ctx, p, tenant, obj, act)
}

// setupAuthz builds the authorization service with its watcher, identity
// (which assigns roles through it), installs the guard and registers the
// policy administration API. The watcher and the periodic reload stop when
// ctx ends.
func (a *App) setupAuthz(ctx context.Context) error {
	ts := a.newTenantStore()
	az, err := authz.New(ctx, a.DB, idAuthzTenants{ts}, idAuthzAudit{}, authz.Options{
		Model: configs.CasbinModel, Policy: configs.CasbinPolicy, Log: a.Log})
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	rdb, ok := a.Conn.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return fmt.Errorf("authorization watcher: unexpected redis client %T", a.Conn.MakeRedisClient())
	}
	w, err := authz.NewRedisWatcher(ctx, rdb, authz.WatcherChannel, a.Log)
	if err != nil {
		_ = rdb.Close()
		return fmt.Errorf("authorization watcher: %w", err)
	}
	if err := az.SetWatcher(w); err != nil {
		w.Close()
		_ = rdb.Close()
		return err
	}
	go func() {
		az.AutoReload(ctx, policyCheckEvery)
		w.Close()
		_ = rdb.Close()
	}()
	id, err := a.setupIdentity(identityDeps{Roles: az, Tenants: identityTenants{ts}})
	if err != nil {
		return err
	}
	a.authz, a.identity = az, id
	a.Web.SetGuard(&guard{auth: id, tenants: ts, authz: az})
	policyAPI{az: az, users: id}.routes(a.Web)
	return nil
}

// userLookup tells whether a user exists (identity.Service).
type userLookup interface {
	UserByID(ctx context.Context, id string) (identity.User, error)
}

// roleService is what the policy API needs of authz.Service.
type roleService interface {
	Assignments(ctx context.Context, tenant string) ([]authz.Assignment, error)
	AssignRole(ctx context.Context, actorID, userID, role, tenant string) error
	RevokeRole(ctx context.Context, actorID, userID, role, tenant string) error
}

// policyAPI is the policy administration API: role assignments of a tenant,
// for its tenant admins and for central admins (whose rules reach every
// tenant). Granting central roles is for central admins only (authz checks).
type policyAPI struct {
	az    roleService
	users userLookup
}

type roleRequest struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
}

func (p policyAPI) routes(s *web.Server) {
	tags := []string{"Phân quyền"}
	s.TenantAPI(http.MethodGet, "/roles", authz.ObjPolicy, authz.ActRead, p.list)
	s.Document(http.MethodGet, "/api/v1/t/:tenant/roles", web.Doc{Tags: tags, Response: web.List[authz.Assignment]{},
		Summary: "Các vai trò đang được giao trong đơn vị (người dùng, vai trò), sắp theo người dùng.",
		Query:   map[string]string{"limit": "số dòng mỗi trang (1–200, mặc định 50)", "offset": "bỏ qua bao nhiêu dòng"}})
	s.TenantAPI(http.MethodPost, "/roles", authz.ObjRole, authz.ActManage, p.assign)
	s.Document(http.MethodPost, "/api/v1/t/:tenant/roles", web.Doc{Tags: tags, Status: http.StatusCreated,
		Request: roleRequest{UserID: "u_9f2c…", Role: authz.RolePlanner}, Response: authz.Assignment{},
		Summary: "Giao vai trò cho người dùng trong đơn vị (giao lại vai trò đang có: không đổi gì). Vai trò central_* chỉ ở Trung ương Đoàn, do quản trị viên Trung ương giao."})
	s.TenantAPI(http.MethodDelete, "/roles", authz.ObjRole, authz.ActManage, p.revoke)
	s.Document(http.MethodDelete, "/api/v1/t/:tenant/roles", web.Doc{Tags: tags, Status: http.StatusNoContent,
		Request: roleRequest{UserID: "u_9f2c…", Role: authz.RolePlanner},
		Summary: "Thu hồi vai trò của người dùng trong đơn vị. Không thể thu hồi quản trị viên Trung ương cuối cùng."})
}

func (p policyAPI) list(c *gin.Context) error {
	page, err := web.PageOf(c)
	if err != nil {
		return err
	}
	all, err := p.az.Assignments(c.Request.Context(), web.TenantOf(c).ID)
	if err != nil {
		return err
	}
	lo := min(page.Offset, len(all))
	hi := min(lo+page.Limit, len(all))
	c.JSON(http.StatusOK, web.NewList(all[lo:hi], len(all), page))
	return nil
}

func (p policyAPI) request(c *gin.Context) (roleRequest, core.Principal, error) {
	var in roleRequest
	if err := c.ShouldBindJSON(&in); err != nil {
		return in, core.Principal{}, core.Invalid("Dữ liệu gửi lên không đúng định dạng JSON.")
	}
	actor, _ := core.PrincipalFrom(c.Request.Context())
	if in.UserID == "" {
		return in, actor, core.Invalid("Thiếu người dùng.", core.FieldError{Field: "user_id", Message: "Bắt buộc."})
	}
	if _, err := p.users.UserByID(c.Request.Context(), in.UserID); core.ErrorCode(err) == core.ENOTFOUND {
		return in, actor, core.Invalid("Người dùng không tồn tại.", core.FieldError{Field: "user_id", Message: "Không có người dùng này."})
	} else if err != nil {
		return in, actor, err
	}
	return in, actor, nil
}

func (p policyAPI) assign(c *gin.Context) error {
	in, actor, err := p.request(c)
	if err != nil {
		return err
	}
	t := web.TenantOf(c).ID
	if err := p.az.AssignRole(c.Request.Context(), actor.UserID, in.UserID, in.Role, t); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, authz.Assignment{UserID: in.UserID, Role: in.Role, Tenant: t})
	return nil
}

func (p policyAPI) revoke(c *gin.Context) error {
	in, actor, err := p.request(c)
	if err != nil {
		return err
	}
	if err := p.az.RevokeRole(c.Request.Context(), actor.UserID, in.UserID, in.Role, web.TenantOf(c).ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
