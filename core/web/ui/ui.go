// Package ui is the server-rendered web interface: html/template pages parsed
// once at boot from embedded files, with htmx for the few places where a
// partial update saves a page load. Handlers are thin: read the form, call a
// service, redirect (post-redirect-get) or re-render the form with its errors.
// Every string comes from the i18n catalogues.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/web"
)

// Auth is what the pages need from the identity adapter.
type Auth interface {
	// Authenticate identifies the caller from the session cookie.
	Authenticate(c *gin.Context) (core.Principal, error)
	// LoginSession checks the password and starts a browser session.
	LoginSession(c *gin.Context, email, password string) (core.Principal, error)
	// LogoutSession ends the browser session.
	LogoutSession(c *gin.Context) error
	// CSRFToken is the session's token for forms; CSRFField the form field
	// that carries it.
	CSRFToken(c *gin.Context) string
	CSRFField() string
}

// RoleReader reads a user's roles: tenant → roles.
type RoleReader interface {
	RolesOf(ctx context.Context, userID string) (map[string][]string, error)
}

// TenantDirectory resolves tenant slugs (the tenant registry, cached).
type TenantDirectory interface {
	Get(ctx context.Context, slug string) (core.Tenant, error)
}

// Authorizer decides whether p may do act on obj in a tenant (the same check
// the route guard makes), to show only the links the user may follow.
type Authorizer interface {
	Authorize(ctx context.Context, p core.Principal, tenant, obj, act string) error
}

// Options are the services the pages call. Auth, Roles, Tenants and Authz
// are required; a page group whose service is nil is not registered.
type Options struct {
	Auth    Auth
	Roles   RoleReader
	Tenants TenantDirectory
	Authz   Authorizer
	// Roster serves the roster pages (nil: not registered).
	Roster Roster
	// Importer runs roster imports (nil: no import wizard).
	Importer Importer
	// Plans, Programs and Workflows serve the plan pages and the inbox.
	Plans     Plans
	Programs  Programs
	Workflows Workflows
	// Estimates is the national budget estimate (nil: no budget page).
	Estimates Estimates
	// Members, Definitions and Audit serve the administration pages.
	Members     Members
	Definitions Definitions
	Audit       AuditLog
	// TenantAdmin is the registry for the central office's tenants page.
	TenantAdmin TenantAdmin
	// PluginAdmin is the plugin host for the plugins page.
	PluginAdmin PluginAdmin
	Log         *slog.Logger
	// Queries counts each page's database round trips for its
	// Server-Timing header (nil: no header).
	Queries QueryCounter
	// SecureCookies marks the UI's own cookies (language, flash) Secure.
	SecureCookies bool
}

// UI renders the pages.
type UI struct {
	auth      Auth
	roles     RoleReader
	tenants   TenantDirectory
	authz     Authorizer
	log       *slog.Logger
	secure    bool
	cat       *i18n.Catalog
	eng       *templates
	assets    *assets
	roster    Roster
	units     *unitCache // the roster's unit indexes (also behind roster)
	importer  Importer
	plans     Plans
	programs  Programs
	workflows Workflows
	estimates Estimates
	members   Members
	defs      Definitions
	audit     AuditLog
	// tenantAdmin serves the central office's tenants page.
	tenantAdmin TenantAdmin
	pluginAdmin PluginAdmin
	queries     QueryCounter
	sections    []section
	// tileSources fill the home page, one per capability wired in.
	tileSources []tileSource
}

// New parses the templates and loads the catalogues and assets; any mistake
// in them stops the process at boot.
func New(opt Options) (*UI, error) {
	if opt.Auth == nil || opt.Roles == nil || opt.Tenants == nil || opt.Authz == nil {
		return nil, fmt.Errorf("ui: auth, roles, tenants and authorizer are required")
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets(assetFiles)
	if err != nil {
		return nil, err
	}
	eng, err := newTemplates(cat, as, templateFiles)
	if err != nil {
		return nil, err
	}
	u := &UI{auth: opt.Auth, roles: opt.Roles, tenants: opt.Tenants, authz: opt.Authz, log: opt.Log,
		secure: opt.SecureCookies, cat: cat, eng: eng, assets: as, roster: opt.Roster, importer: opt.Importer,
		plans: opt.Plans, programs: opt.Programs, workflows: opt.Workflows, estimates: opt.Estimates,
		members: opt.Members, defs: opt.Definitions, audit: opt.Audit, tenantAdmin: opt.TenantAdmin, pluginAdmin: opt.PluginAdmin,
		queries: opt.Queries}
	if opt.Roster != nil {
		u.units = newUnitCache(opt.Roster)
		u.roster = u.units
	}
	return u, nil
}

// Register installs the error pages and the routes of every page group.
func (u *UI) Register(s *web.Server) {
	if u.queries != nil {
		// Before the routes: gin gives a route the middleware installed
		// before it was registered.
		s.Engine().Use(serverTiming(u.queries))
	}
	s.SetPageErrorRenderer(u.renderError)
	s.Public(http.MethodGet, "/assets/:file", u.assets.serve)
	s.Public(http.MethodGet, "/lang/:lang", u.switchLang)
	u.registerSession(s)
	u.registerRoster(s)
	u.registerImports(s)
	u.registerPlans(s)
	u.registerPrograms(s)
	u.registerBudget(s)
	u.registerAdmin(s)
	u.registerTenants(s)
	u.registerPlugins(s)
	u.registerInbox(s)
}

// html renders a whole page with v.Status.
func (u *UI) html(c *gin.Context, page string, v *View) error {
	b, err := u.eng.render(v.Lang, page, "base", v)
	if err != nil {
		return core.Internal(err, "render page")
	}
	c.Data(v.Status, "text/html; charset=utf-8", b)
	return nil
}

// fragment renders one named block of a page (an htmx partial update).
func (u *UI) fragment(c *gin.Context, page, block string, v *View) error {
	b, err := u.eng.render(v.Lang, page, block, v)
	if err != nil {
		return core.Internal(err, "render fragment")
	}
	c.Data(v.Status, "text/html; charset=utf-8", b)
	return nil
}

// redirect ends a successful POST (post-redirect-get), with an optional
// flash message key shown once on the next page.
func (u *UI) redirect(c *gin.Context, to, flashKey string) error {
	if flashKey != "" {
		u.setCookie(c, flashCookie, flashKey, 60)
	}
	if c.GetHeader("HX-Request") != "" {
		c.Header("HX-Redirect", to)
		c.Status(http.StatusNoContent)
		return nil
	}
	c.Redirect(http.StatusSeeOther, to)
	return nil
}

const (
	langCookie  = "lang"
	flashCookie = "flash"
)

func (u *UI) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the pending flash message, translated, and clears it.
// The cookie holds a catalogue key, never text, so it cannot inject content.
func (u *UI) takeFlash(c *gin.Context, p i18n.Printer) string {
	key, err := c.Cookie(flashCookie)
	if err != nil || key == "" {
		return ""
	}
	u.setCookie(c, flashCookie, "", -1)
	if !u.cat.Has(key) {
		return ""
	}
	return p.T(key)
}

// switchLang handles GET /lang/:lang?next=…: remembers the language for a
// year and goes back.
func (u *UI) switchLang(c *gin.Context) error {
	lang := i18n.ParseLang(c.Param("lang"))
	u.setCookie(c, langCookie, string(lang), 365*24*3600)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next")))
	return nil
}
