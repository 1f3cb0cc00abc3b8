package ui

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/web"
)

// View is what every page template receives: the frame (user, tenant, menus,
// language, CSRF token) and the page's own Data and Form.
type View struct {
	Lang      i18n.Lang
	Title     string // translated page title
	User      *core.Principal
	Tenant    core.Tenant // zero outside tenant pages
	Tenants   []TenantLink
	Roles     []string // the user's roles in Tenant
	Nav       []NavItem
	CSRF      string
	CSRFField string
	Path      string // request URI, for "come back here" links
	Flash     string // translated one-time message after a redirect
	Form      *Form
	Data      any
	Status    int
	RequestID string
	// Refresh, when set, reloads the page after that many seconds if
	// scripts are off (htmx polls instead when they are on).
	Refresh int
}

// TenantLink is one entry of the tenant switcher.
type TenantLink struct {
	ID, Name string
	Current  bool
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Label, Href string
	Current     bool
}

// HasRole reports whether the user holds role in the current tenant.
func (v *View) HasRole(role string) bool {
	for _, r := range v.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// T translates in the page's language (for Go code building a view).
func (u *UI) printer(c *gin.Context) i18n.Printer { return u.cat.For(u.lang(c)) }

// lang is the language chosen with the switch (a cookie), Vietnamese by default.
func (u *UI) lang(c *gin.Context) i18n.Lang {
	v, err := c.Cookie(langCookie)
	if err != nil {
		return i18n.Default
	}
	return i18n.ParseLang(v)
}

// view builds the frame of a page. On tenant pages it fills the tenant, the
// user's roles there, the switcher and the navigation allowed to the user.
func (u *UI) view(c *gin.Context, titleKey string) *View {
	v := u.frame(c, titleKey)
	u.tenantFrame(c, v)
	return v
}

// frame is the part of the view every page has, error pages included: it
// calls no service that could fail.
func (u *UI) frame(c *gin.Context, titleKey string) *View {
	lang := u.lang(c)
	p := u.cat.For(lang)
	v := &View{Lang: lang, Title: p.T(titleKey), Path: c.Request.URL.RequestURI(), Status: http.StatusOK,
		RequestID: web.RequestID(c), CSRFField: u.auth.CSRFField()}
	if pr, ok := core.PrincipalFrom(c.Request.Context()); ok {
		v.User = &pr
		// Only a browser session needs (and may be given) a form token; an
		// API token caller must not get a session created as a side effect.
		if pr.Via == "session" {
			v.CSRF = u.auth.CSRFToken(c)
		}
	}
	v.Flash = u.takeFlash(c, p)
	return v
}

func (u *UI) tenantFrame(c *gin.Context, v *View) {
	p := u.cat.For(v.Lang)
	t := web.TenantOf(c)
	if t.ID == "" || v.User == nil {
		return
	}
	v.Tenant = t
	roles, err := u.roles.RolesOf(c.Request.Context(), v.User.UserID)
	if err != nil {
		// The frame degrades (no switcher) rather than failing the page.
		u.log.Warn("ui: read roles for the frame", "err", err, "request_id", v.RequestID)
	}
	v.Roles = roles[t.ID]
	ids := make([]string, 0, len(roles))
	for id := range roles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		name := id
		if id == t.ID {
			name = t.Name
		} else if tt, err := u.tenants.Get(c.Request.Context(), id); err == nil {
			name = tt.Name
		}
		v.Tenants = append(v.Tenants, TenantLink{ID: id, Name: name, Current: id == t.ID})
	}
	v.Nav = u.nav(c, v, p)
}

// nav lists the sections the user may open in the current tenant: an entry
// shows only when the authorizer allows its action.
func (u *UI) nav(c *gin.Context, v *View, p i18n.Printer) []NavItem {
	base := "/t/" + v.Tenant.ID
	var out []NavItem
	for _, s := range u.sections {
		if s.central && v.Tenant.ID != core.CentralTenant {
			continue
		}
		if err := u.authz.Authorize(c.Request.Context(), *v.User, v.Tenant.ID, s.obj, s.act); err != nil {
			continue
		}
		href := base + s.path
		if s.abs {
			href = s.path
		}
		cur := strings.HasPrefix(c.Request.URL.Path, href) && (s.path != "/" || c.Request.URL.Path == base+"/")
		out = append(out, NavItem{Label: p.T(s.label), Href: href, Current: cur})
	}
	return out
}

// section is a navigation entry, registered by each group of pages.
type section struct {
	label, path, obj, act string
	central               bool // only in the central tenant
	abs                   bool // path is not under the tenant (the inbox)
}

// localPath accepts only paths on this site, so ?next= cannot send a user
// elsewhere.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
