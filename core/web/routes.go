package web

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

// Guard authenticates callers, resolves tenants and authorizes actions. The
// auth adapter implements it; cmd/doanbd wires it in. Every guarded route
// goes through all three steps, in one middleware.
type Guard interface {
	// Authenticate identifies the caller from a bearer token or session cookie.
	// It returns an EUNAUTHORIZED error when there is none.
	Authenticate(c *gin.Context) (core.Principal, error)
	// ResolveTenant finds the tenant named in the URL. Unknown tenants are
	// ENOTFOUND; ended tenants are ENOTFOUND when write is true.
	ResolveTenant(ctx context.Context, slug string, write bool) (core.Tenant, error)
	// Authorize decides whether p may do act on obj in tenant (the Casbin
	// domain). A refusal is EFORBIDDEN or, where existence must not leak, ENOTFOUND.
	Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error
}

// Scope says how a route is protected.
type Scope int

const (
	// Public routes need no login (health, login, OpenAPI, assets).
	Public Scope = iota
	// Authenticated routes need a login but no tenant (inbox, profile).
	Authenticated
	// TenantScoped routes live under /t/:tenant and are authorized in that tenant.
	TenantScoped
)

// RouteSpec describes one registered route and its guard.
type RouteSpec struct {
	Method string
	Path   string // full gin path
	Scope  Scope
	Object string // Casbin object (TenantScoped and Authenticated)
	Action string // Casbin action
}

// Routes lists every route registered through Public, Authed and Tenant,
// sorted, for the route-enumeration and isolation tests.
func (s *Server) Routes() []RouteSpec {
	out := append([]RouteSpec(nil), s.specs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// SetGuard installs the guard; routes registered before it fail closed.
func (s *Server) SetGuard(g Guard) { s.guard = g }

// Guard returns the installed guard (nil before SetGuard), so adapters wired
// after it, such as the pages, can reuse the same identity and policy.
func (s *Server) Guard() Guard { return s.guard }

// HandlerFunc is a handler that returns an error, rendered by Error.
type HandlerFunc func(c *gin.Context) error

func (s *Server) add(spec RouteSpec, h gin.HandlerFunc) {
	s.specs = append(s.specs, spec)
	s.engine.Handle(spec.Method, spec.Path, h)
}

// Public registers a route that needs no login.
func (s *Server) Public(method, path string, h HandlerFunc) {
	s.add(RouteSpec{Method: method, Path: path, Scope: Public}, s.Handle(h))
}

// Authed registers a route that needs a login but no tenant. obj/act are
// recorded for the route table; the handler filters data by the caller.
func (s *Server) Authed(method, path, obj, act string, h HandlerFunc) {
	s.add(RouteSpec{Method: method, Path: path, Scope: Authenticated, Object: obj, Action: act},
		s.Handle(func(c *gin.Context) error {
			if err := s.authenticate(c); err != nil {
				return err
			}
			return h(c)
		}))
}

// TenantAPI registers a JSON route under /api/v1/t/:tenant (path starts with
// "/"), authorized as act on obj in the URL's tenant.
func (s *Server) TenantAPI(method, path, obj, act string, h HandlerFunc) {
	s.tenantRoute("/api/v1/t/:tenant"+path, method, obj, act, h)
}

// TenantPage registers an HTML route under /t/:tenant.
func (s *Server) TenantPage(method, path, obj, act string, h HandlerFunc) {
	s.tenantRoute("/t/:tenant"+path, method, obj, act, h)
}

func (s *Server) tenantRoute(full, method, obj, act string, h HandlerFunc) {
	write := method != http.MethodGet && method != http.MethodHead
	s.add(RouteSpec{Method: method, Path: full, Scope: TenantScoped, Object: obj, Action: act},
		s.Handle(func(c *gin.Context) error {
			if err := s.authenticate(c); err != nil {
				return err
			}
			if s.guard == nil {
				return core.Errorf(core.EFORBIDDEN, "Bạn không có quyền thực hiện thao tác này.")
			}
			t, err := s.guard.ResolveTenant(c.Request.Context(), c.Param("tenant"), write)
			if err != nil {
				return err
			}
			p, _ := core.PrincipalFrom(c.Request.Context())
			if err := s.guard.Authorize(c.Request.Context(), p, t.ID, obj, act); err != nil {
				return err
			}
			c.Set(tenantKey, t.ID)
			c.Set(tenantObjKey, t)
			return h(c)
		}))
}

func (s *Server) authenticate(c *gin.Context) error {
	if s.guard == nil {
		return core.Errorf(core.EUNAUTHORIZED, "Vui lòng đăng nhập.")
	}
	p, err := s.guard.Authenticate(c)
	if err != nil {
		return err
	}
	c.Set(userKey, p.UserID)
	c.Request = c.Request.WithContext(core.WithPrincipal(c.Request.Context(), p))
	return nil
}

const tenantObjKey = "tenant_obj"

// TenantOf returns the resolved, authorized tenant of a TenantScoped route.
func TenantOf(c *gin.Context) core.Tenant {
	t, _ := c.Get(tenantObjKey)
	tt, _ := t.(core.Tenant)
	return tt
}

// IsAPI reports whether the request is for the JSON API (errors as problem+json)
// rather than a page (errors as HTML).
func IsAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }
