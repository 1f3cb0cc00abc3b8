package main

import (
	"context"
	"fmt"
	"time"

	"doanbd/core/sqldb"
	"doanbd/core/web/ui"
	"doanbd/plugins/host"
	"doanbd/workflows/consolidation"
)

// setupUI registers the web pages. It runs last: the pages call the same
// service instances as the API — one session store, one policy with its
// watcher, the roster importer whose jobs the worker runs (it holds the live
// progress of a commit), and the workflow engine.
func (a *App) setupUI(_ context.Context) error {
	if a.identity == nil || a.authz == nil {
		return fmt.Errorf("ui: set up authorization (setupAuthz) before the pages")
	}
	o := ui.Options{
		Auth: a.identity, Roles: a.authz, Authz: a.authz, Tenants: a.newTenantStore(),
		Plans: a.PlanService(), Programs: a.ProgramService(),
		Log: a.Log, SecureCookies: a.Cfg.SecureCookies, Queries: countQueries,
	}
	roster, importer, err := a.RosterParts()
	if err != nil {
		return err
	}
	o.Roster, o.Importer = roster, importer
	if a.wf != nil {
		o.Workflows, o.Definitions = a.wf, a.wf
	}
	o.Members = uiMembers{id: a.identity, az: a.authz}
	o.Audit = newUIAudit(a.DB)
	o.TenantAdmin = uiTenants{a.newTenantStore()}
	if h, err := a.PluginHost(); err != nil {
		return err
	} else if h != nil {
		o.PluginAdmin = uiPlugins{h: h, st: host.NewDBStore(a.DB)}
	}
	// The national estimate is stateless over the database: the pages build
	// their own reader of it, as the workflow wiring does.
	plans, ts := a.PlanService(), a.newTenantStore()
	o.Estimates = consolidation.New(consolidation.Deps{DB: a.DB, Log: a.Log, Plans: plans,
		Tenants: func(ctx context.Context) ([]string, error) { return allTenants(ctx, ts) },
		PlanYear: func(ctx context.Context, tenant, id string) (int, error) {
			v, err := plans.Get(ctx, tenant, id)
			if err != nil {
				return 0, err
			}
			return v.Year, nil
		}})
	u, err := ui.New(o)
	if err != nil {
		return err
	}
	u.Register(a.Web)
	return nil
}

// countQueries counts a page's database round trips (its Server-Timing header).
func countQueries(ctx context.Context) (context.Context, func() (int64, time.Duration)) {
	ctx, q := sqldb.WithQueryCount(ctx)
	return ctx, func() (int64, time.Duration) { return q.Queries(), q.Wait() }
}
