package main

import (
	"context"
	"fmt"

	"doanbd/configs"
	"doanbd/core/audit"
	"doanbd/core/cadre/roster"
	"doanbd/core/plan"
	"doanbd/tenants"
)

// newTenantStore returns the tenant registry on the app's database. Each
// consumer (routes, the guard's tenant resolution, the CLI) may hold its own:
// snapshots agree within the TTL, and an unknown slug reloads at once, so a
// tenant created through one store resolves through another immediately.
func (a *App) newTenantStore() *tenants.Store {
	return tenants.NewStore(a.DB, tenants.Options{Log: a.Log})
}

// setupTenants registers the tenant registry's API and the audit viewer's.
func (a *App) setupTenants(_ context.Context) error {
	a.newTenantStore().Routes(a.Web)
	audit.NewStore(a.DB).Routes(a.Web)
	return nil
}

// seedTenants is the "tenants" seed step: the registry from
// configs/seed/tenants.yaml (idempotent).
func seedTenants(ctx context.Context, a *App, o SeedOptions) error {
	src, err := configs.FS.ReadFile("seed/tenants.yaml")
	if err != nil {
		return fmt.Errorf("read embedded tenants seed: %w", err)
	}
	res, err := a.newTenantStore().Seed(ctx, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "tenants: %d created, %d updated, %d unchanged\n", res.Created, res.Updated, res.Unchanged)
	return nil
}

// mergeSteps lists what `doanbd tenant merge` moves from an ended tenant to
// its successor, in order. Each domain package that owns live data appends
// its tenants.MergeStep here.
func (a *App) mergeSteps() []tenants.MergeStep {
	return []tenants.MergeStep{plan.MergeStep{}, roster.MergeStep{}}
}
