package main

import (
	"context"
	"fmt"

	"doanbd/core/web/ui"
)

// setupUI registers the web pages. It runs after setupAuthz and takes the
// identity and authorization services from the installed guard, so pages and
// API share one session store, one policy and one watcher.
func (a *App) setupUI(_ context.Context) error {
	g, ok := a.Web.Guard().(*guard)
	if !ok {
		return fmt.Errorf("ui: install the guard (setupAuthz) before the pages")
	}
	auth, ok := g.auth.(ui.Auth)
	if !ok {
		return fmt.Errorf("ui: the guard's authenticator %T cannot log browsers in", g.auth)
	}
	roles, ok := g.authz.(ui.RoleReader)
	if !ok {
		return fmt.Errorf("ui: the guard's authorizer %T cannot list roles", g.authz)
	}
	u, err := ui.New(ui.Options{
		Auth: auth, Roles: roles, Authz: g.authz, Tenants: a.newTenantStore(),
		Log: a.Log, SecureCookies: a.Cfg.SecureCookies,
	})
	if err != nil {
		return err
	}
	u.Register(a.Web)
	return nil
}
