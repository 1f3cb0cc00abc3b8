package ui

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
	"doanbd/core/web"
)

// NewTenant is a tenant the central office creates.
type NewTenant struct {
	Slug, Name, Kind, Code, Parent, ValidFrom string
	AggregateOnly                             bool
}

// TenantAdmin is the tenant registry as the central office manages it.
type TenantAdmin interface {
	ListTenants(ctx context.Context, kind, status string) ([]core.Tenant, error)
	CreateTenant(ctx context.Context, actor core.Principal, in NewTenant) (core.Tenant, error)
}

var tenantKinds = []string{core.TenantProvince, core.TenantAffiliated, core.TenantMinistry}

func (u *UI) registerTenants(s *web.Server) {
	if u.tenantAdmin == nil {
		return
	}
	s.TenantPage(http.MethodGet, "/tenants", objTenant, actRead, u.tenantList)
	s.TenantPage(http.MethodPost, "/tenants", objTenant, actCreate, u.tenantCreate)
	u.sections = append(u.sections, section{label: "nav.tenants", path: "/tenants", obj: objTenant, act: actCreate, central: true})
}

type tenantRow struct {
	core.Tenant
	KindLabel, Successor, Ended string
}

type tenantListData struct {
	Rows      []tenantRow
	Central   bool
	CanCreate bool
	Kinds     []option
	Statuses  []option
}

// tenantList handles GET /t/:tenant/tenants?kind=&status=: the whole
// registry for the central office (ended tenants with their successor),
// only itself for anyone else.
func (u *UI) tenantList(c *gin.Context) error {
	v := u.view(c, "tenants.title")
	return u.renderTenants(c, v, queryForm(c, emptyForm(u.cat.For(v.Lang), nil)), http.StatusOK)
}

func (u *UI) renderTenants(c *gin.Context, v *View, f *Form, status int) error {
	p := u.cat.For(v.Lang)
	d := tenantListData{Central: v.Tenant.ID == core.CentralTenant}
	d.CanCreate = d.Central && u.can(c, v, objTenant, actCreate)
	var list []core.Tenant
	if d.Central {
		var err error
		if list, err = u.tenantAdmin.ListTenants(c.Request.Context(), c.Query("kind"), c.Query("status")); err != nil {
			return err
		}
	} else {
		list = []core.Tenant{v.Tenant}
	}
	names := map[string]string{}
	for _, t := range list {
		names[t.ID] = t.Name
	}
	for _, t := range list {
		r := tenantRow{Tenant: t, KindLabel: p.Label("tenant.kind.", t.Kind)}
		if t.Successor != "" {
			r.Successor = t.Successor
			n, ok := names[t.Successor]
			if !ok {
				if st, err := u.tenants.Get(c.Request.Context(), t.Successor); err == nil {
					n, ok = st.Name, true
				}
			}
			if ok {
				r.Successor = n + " (" + t.Successor + ")"
			}
		}
		if t.ValidTo != nil {
			r.Ended = i18n.Date(*t.ValidTo)
		}
		d.Rows = append(d.Rows, r)
	}
	for _, k := range append([]string{core.TenantCentral}, tenantKinds...) {
		d.Kinds = append(d.Kinds, option{k, p.Label("tenant.kind.", k)})
	}
	d.Statuses = []option{{core.TenantActive, p.T("tenant.status.active")}, {core.TenantEnded, p.T("tenant.status.ended")}}
	v.Form, v.Data, v.Status = f, d, status
	return u.html(c, "tenants", v)
}

// tenantCreate handles POST /t/tw/tenants: a new tenant, then its users page
// to give it an administrator.
func (u *UI) tenantCreate(c *gin.Context) error {
	v := u.view(c, "tenants.title")
	if v.Tenant.ID != core.CentralTenant {
		return core.Errorf(core.EFORBIDDEN, "Chỉ Trung ương Đoàn được tạo đơn vị mới.")
	}
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return err
	}
	f.Required("slug", "name", "kind")
	in := NewTenant{Slug: f.Get("slug"), Name: f.Get("name"), Kind: f.Get("kind"), Code: f.Get("code"),
		Parent: f.Get("parent"), AggregateOnly: f.Get("aggregate_only") != ""}
	if s := f.Get("valid_from"); s != "" {
		if t, err := i18n.ParseDate(s); err != nil {
			f.Fail("valid_from", "form.date_invalid")
		} else {
			in.ValidFrom = t.Format("2006-01-02")
		}
	}
	if f.OK() {
		t, err := u.tenantAdmin.CreateTenant(c.Request.Context(), *v.User, in)
		if err == nil {
			return u.redirect(c, "/t/"+t.ID+"/admin/users", "tenants.created")
		}
		if !f.Take(err, nil) {
			return err
		}
	}
	return u.renderTenants(c, v, f, http.StatusUnprocessableEntity)
}
