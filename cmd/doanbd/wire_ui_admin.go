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
