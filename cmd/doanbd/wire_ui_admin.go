package main

import (
	"context"

	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/authz"
	"doanbd/core/identity"
	"doanbd/core/sqldb"
	"doanbd/core/web"
	"doanbd/core/web/ui"
	"doanbd/plugins/host"
	"doanbd/tenants"
)

// uiMembers joins identity (accounts) and authorization (roles) for the
// users page.
type uiMembers struct {
	id *identity.Service
	az *authz.Service
}

func (m uiMembers) Members(ctx context.Context, tenant string, limit, offset int) ([]ui.Member, int, error) {
	ms, total, err := m.id.Members(ctx, tenant, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ui.Member, len(ms))
	for i, x := range ms {
		out[i] = ui.Member{ID: x.ID, Email: x.Email, Name: x.Name, Status: x.Status, Roles: x.Roles, LastLogin: x.LastLoginAt}
	}
	return out, total, nil
}

func (m uiMembers) AddMember(ctx context.Context, actor core.Principal, tenant string, in ui.NewMember) error {
	_, err := m.id.AddUser(ctx, identity.Actor{ID: actor.UserID, Email: actor.Email},
		identity.AddUserInput{Tenant: tenant, Email: in.Email, Name: in.Name, Password: in.Password, Role: in.Role})
	return err
}

func (m uiMembers) Assign(ctx context.Context, actor core.Principal, tenant, userID, role string) error {
	if _, err := m.id.UserByID(ctx, userID); err != nil {
		return err
	}
	return m.az.AssignRole(ctx, actor.UserID, userID, role, tenant)
}

func (m uiMembers) Revoke(ctx context.Context, actor core.Principal, tenant, userID, role string) error {
	return m.az.RevokeRole(ctx, actor.UserID, userID, role, tenant)
}

// RoleNames: central roles exist only in the central office.
func (m uiMembers) RoleNames(tenant string) []string {
	var out []string
	for _, r := range authz.Roles {
		if !authz.IsCentral(r) || tenant == core.CentralTenant {
			out = append(out, r)
		}
	}
	return out
}

// uiAudit reads a tenant's audit chain for the viewer.
type uiAudit struct{ s *audit.Store }

func newUIAudit(db *sqldb.DB) uiAudit { return uiAudit{audit.NewStore(db)} }

func (a uiAudit) Audit(ctx context.Context, tenant, action string, limit, offset int) ([]ui.AuditEntry, int, error) {
	rs, total, err := a.s.List(ctx, tenant, audit.Filter{Action: action}, web.Page{Limit: limit, Offset: offset})
	if err != nil {
		return nil, 0, err
	}
	out := make([]ui.AuditEntry, len(rs))
	for i, r := range rs {
		actor := r.ActorEmail
		if actor == "" {
			actor = r.ActorID
		}
		detail := string(r.Detail)
		if detail == "{}" || detail == "null" {
			detail = ""
		}
		out[i] = ui.AuditEntry{Seq: r.Seq, At: r.At, Actor: actor, Action: r.Action, Object: r.Object,
			ObjectID: r.ObjectID, IP: r.IP, Detail: detail}
	}
	return out, total, nil
}

// uiTenants is the tenant registry for the central office's tenants page.
type uiTenants struct{ s *tenants.Store }

func (t uiTenants) ListTenants(ctx context.Context, kind, status string) ([]core.Tenant, error) {
	return t.s.List(ctx, tenants.ListFilter{Kind: kind, Status: status})
}

func (t uiTenants) CreateTenant(ctx context.Context, actor core.Principal, in ui.NewTenant) (core.Tenant, error) {
	return t.s.Create(ctx, actor, tenants.TenantInput{Slug: in.Slug, Name: in.Name, Kind: in.Kind, Code: in.Code,
		Parent: in.Parent, ValidFrom: in.ValidFrom, AggregateOnly: in.AggregateOnly})
}

// uiPlugins is the plugin host and a tenant's choices, for the plugins page
// (the same store the plugin API writes).
type uiPlugins struct {
	h  *host.Host
	st *host.DBStore
}

func (p uiPlugins) TenantPlugins(ctx context.Context, tenant string) ([]ui.PluginState, error) {
	tps, err := p.st.TenantPlugins(ctx, tenant)
	if err != nil {
		return nil, core.Internal(err, "tenant plugins")
	}
	chosen := map[string]host.TenantPlugin{}
	for _, tp := range tps {
		chosen[tp.Plugin] = tp
	}
	var out []ui.PluginState
	seen := map[string]bool{}
	for _, in := range p.h.Plugins() {
		if seen[in.Name] {
			continue
		}
		seen[in.Name] = true
		s := ui.PluginState{Name: in.Name, Version: in.Version, Status: in.Status, Capabilities: in.Capabilities,
			Installed: true, Settings: map[string]string{}, RetryAt: in.RetryAt}
		if tp, ok := chosen[in.Name]; ok {
			s.Enabled, s.Settings = tp.Enabled, tp.Settings
		}
		if !s.Enabled && s.Status == host.StatusOK {
			s.Status = host.StatusDisabled
		}
		out = append(out, s)
	}
	for _, tp := range tps {
		if !seen[tp.Plugin] {
			out = append(out, ui.PluginState{Name: tp.Plugin, Status: host.StatusFailed, Capabilities: tp.Capabilities,
				Enabled: tp.Enabled, Settings: tp.Settings})
		}
	}
	return out, nil
}

func (p uiPlugins) SetPlugin(ctx context.Context, actor core.Principal, tenant, name string, enabled bool, settings map[string]string) error {
	info, installed := p.h.Plugin(name)
	if !installed {
		known := false
		tps, err := p.st.TenantPlugins(ctx, tenant)
		if err != nil {
			return core.Internal(err, "tenant plugins")
		}
		for _, tp := range tps {
			if tp.Plugin == name {
				known, info.Capabilities = true, tp.Capabilities
			}
		}
		if !known {
			return core.Errorf(core.ENOTFOUND, "Không tìm thấy plugin.")
		}
		if enabled {
			return core.Invalid("Plugin chưa được cài đặt trên máy chủ nên không bật được.",
				core.FieldError{Field: "enabled", Message: "chỉ có thể tắt plugin chưa được cài đặt"})
		}
	}
	if len(settings) > 32 {
		return core.Invalid("Quá nhiều thiết lập.", core.FieldError{Field: "settings", Message: "tối đa 32 thiết lập"})
	}
	for k, v := range settings {
		if len(v) > 2000 {
			return core.Invalid("Thiết lập quá dài.", core.FieldError{Field: "settings", Message: k + ": tối đa 2000 ký tự"})
		}
	}
	if err := p.st.Put(ctx, tenant, host.TenantPlugin{Plugin: name, Enabled: enabled, Settings: settings,
		Capabilities: info.Capabilities, UpdatedBy: actor.UserID}); err != nil {
		return core.Internal(err, "save tenant plugin")
	}
	return nil
}

// ResetPlugin is the plugins page's "Khởi động lại": as the plugin API's
// POST …/reset, for a plugin installed here and enabled by the tenant.
func (p uiPlugins) ResetPlugin(ctx context.Context, _ core.Principal, tenant, name string) error {
	ps, err := p.TenantPlugins(ctx, tenant)
	if err != nil {
		return err
	}
	var cur *ui.PluginState
	for i := range ps {
		if ps[i].Name == name {
			cur = &ps[i]
		}
	}
	if cur == nil {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy plugin.")
	}
	return p.h.ResetForTenant(ctx, name, cur.Installed && cur.Enabled)
}
