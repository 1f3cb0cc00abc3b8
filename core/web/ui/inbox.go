package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core/i18n"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

func (u *UI) registerInbox(s *web.Server) {
	s.Authed(http.MethodGet, "/inbox", objInbox, actRead, u.inbox)
	if u.workflows == nil {
		return
	}
	u.sections = append(u.sections, section{label: "nav.inbox", path: "/inbox", obj: objInbox, act: actRead, abs: true})
	u.tileSources = append(u.tileSources, u.inboxTile)
}

type inboxRow struct {
	engine.InboxItem
	TenantName, Due, Since, Href string
	Overdue                      bool
}

// inbox handles GET /inbox: what waits for the user in every tenant, soonest
// due first (the engine's order).
func (u *UI) inbox(c *gin.Context) error {
	v := u.view(c, "inbox.title")
	var items []engine.InboxItem
	if u.workflows != nil {
		var err error
		if items, err = u.workflows.Inbox(c.Request.Context(), *v.User); err != nil {
			return err
		}
	}
	now := timeNow()
	var rows []inboxRow
	for _, it := range items {
		r := inboxRow{InboxItem: it, TenantName: it.Tenant, Since: i18n.DateTime(it.Since), Href: it.Link}
		if t, err := u.tenants.Get(c.Request.Context(), it.Tenant); err == nil {
			r.TenantName = t.Name
		}
		if it.DueAt != nil {
			r.Due, r.Overdue = i18n.DateTime(*it.DueAt), it.DueAt.Before(now)
		}
		if r.Href == "" && it.SubjectType == planSubject {
			r.Href = "/t/" + it.Tenant + "/plans/" + it.SubjectID
		}
		rows = append(rows, r)
	}
	u.inboxNav(c, v)
	v.Data = rows
	return u.html(c, "inbox", v)
}

// inboxNav gives the inbox (a page outside any tenant) the navigation of
// the user's first tenant, so the user can go back.
func (u *UI) inboxNav(c *gin.Context, v *View) {
	if home, err := u.homeOf(c, *v.User); err == nil {
		v.Nav = []NavItem{{Label: u.cat.For(v.Lang).T("nav.home"), Href: home}}
	}
	v.Nav = append(v.Nav, NavItem{Label: u.cat.For(v.Lang).T("nav.inbox"), Href: "/inbox", Current: true})
}

// inboxTile counts the items waiting for the user.
func (u *UI) inboxTile(c *gin.Context, v *View) (tile, bool, error) {
	items, err := u.workflows.Inbox(c.Request.Context(), *v.User)
	if err != nil {
		return tile{}, false, err
	}
	p := u.cat.For(v.Lang)
	return tile{Label: p.T("home.inbox"), Value: i18n.Int(int64(len(items))), Href: "/inbox", Alert: len(items) > 0}, true, nil
}
