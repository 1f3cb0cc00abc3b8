package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/authz"
	"doanbd/core/identity"
	"doanbd/tenants"
)

// identityDeps are the capabilities identity calls: role assignments (the
// Casbin service) and the tenant registry.
type identityDeps struct {
	Roles   identity.RoleAssigner
	Tenants identity.TenantDirectory
}

// newIdentity builds the identity service on the app's database and
// configuration. Instances are interchangeable (a request's session travels
// in its gin context), but build one per process and share it.
func (a *App) newIdentity(d identityDeps) (*identity.Service, error) {
	origins := []string{}
	if a.Cfg.BaseURL != "" {
		origins = append(origins, a.Cfg.BaseURL)
	}
	return identity.New(a.DB, d.Roles, d.Tenants, identityAudit{}, identity.Options{
		TokenLifetime:   a.Cfg.TokenLifetime,
		SessionLifetime: a.Cfg.SessionLifetime,
		SecureCookies:   a.Cfg.SecureCookies,
		TrustedOrigins:  origins,
		AuditPlatform:   audit.Platform,
		Roles:           authz.Roles,
		Log:             a.Log,
	})
}

// setupIdentity installs identity's CSRF middleware and routes on the web
// server. The guard (the authorization wiring) calls the returned service's
// Authenticate; the pages use it as their Auth.
func (a *App) setupIdentity(d identityDeps) (*identity.Service, error) {
	id, err := a.newIdentity(d)
	if err != nil {
		return nil, err
	}
	id.Install(a.Web)
	return id, nil
}

// identityTenants adapts the tenant registry to identity.TenantDirectory.
type identityTenants struct{ s *tenants.Store }

func (t identityTenants) Tenant(ctx context.Context, slug string) (core.Tenant, error) {
	return t.s.Get(ctx, slug)
}

// identityAudit writes identity's events to the hash-chained audit log.
type identityAudit struct{}

func (identityAudit) Record(ctx context.Context, tx bun.Tx, e identity.AuditEvent) error {
	en := audit.Entry{Tenant: e.Tenant, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
		Object: e.Object, ObjectID: e.ObjectID, IP: e.IP}
	if len(e.Detail) > 0 {
		en.Detail = e.Detail
	}
	return audit.Append(ctx, tx, en)
}

// seedDemoUsers is the "demo-users" seed step (only with --demo): a user for
// every role template in tw, p79, p01 and bqp, all with one password, and
// the table of logins printed for `make run`.
func seedDemoUsers(ctx context.Context, a *App, o SeedOptions) error {
	if !o.Demo {
		return nil
	}
	id, err := a.identityForCommand(ctx)
	if err != nil {
		return err
	}
	logins, err := id.SeedDemo(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "\nTài khoản dùng thử (mật khẩu chung: %s):\n", identity.DemoPassword)
	tw := tabwriter.NewWriter(o.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tĐƠN VỊ\tVAI TRÒ\tHỌ TÊN")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Email, l.Tenant, l.Role, l.Name)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print demo logins: %w", err)
	}
	fmt.Fprintf(o.Out, "Mật khẩu của mọi tài khoản dùng thử: %s\n\n", identity.DemoPassword)
	return nil
}

// identityForCommand builds identity with its own tenant registry and
// authorization service, for one-shot commands (`user`, `seed`) that serve
// no requests and so share nothing with a running server.
func (a *App) identityForCommand(ctx context.Context) (*identity.Service, error) {
	ts := a.newTenantStore()
	az, err := authz.New(ctx, a.DB, idAuthzTenants{ts}, idAuthzAudit{}, authz.Options{
		Model: configs.CasbinModel, Policy: configs.CasbinPolicy, Log: a.Log})
	if err != nil {
		return nil, fmt.Errorf("authorization: %w", err)
	}
	return a.newIdentity(identityDeps{Roles: az, Tenants: identityTenants{ts}})
}

// idAuthzTenants adapts the tenant registry to authz.TenantDirectory.
type idAuthzTenants struct{ s *tenants.Store }

func (t idAuthzTenants) Tenant(ctx context.Context, slug string) (core.Tenant, error) {
	return t.s.Get(ctx, slug)
}

func (t idAuthzTenants) Tenants(ctx context.Context) ([]core.Tenant, error) {
	return t.s.List(ctx, tenants.ListFilter{})
}

// idAuthzAudit writes role changes to the audit log.
type idAuthzAudit struct{}

func (idAuthzAudit) Append(ctx context.Context, tx bun.IDB, e authz.AuditEntry) error {
	en := audit.Entry{Tenant: e.Tenant, ActorID: e.ActorID, Action: e.Action, Object: e.Object, ObjectID: e.ObjectID}
	if len(e.Detail) > 0 {
		en.Detail = e.Detail
	}
	return audit.Append(ctx, tx, en)
}
