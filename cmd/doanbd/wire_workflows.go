package main

import (
	"context"
	"fmt"
	"slices"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/authz"
	"doanbd/core/identity"
	"doanbd/tenants"
	"doanbd/workflows/api"
	"doanbd/workflows/consolidation"
	"doanbd/workflows/engine"
)

// setupWorkflows builds the workflow engine on the authorizer and the user
// directory, records the shipped definitions (a changed file is a new
// version), connects plans, programme variants and the national estimate, and
// registers the routes and job handlers. It runs after setupAuthz and before
// setupPlans (which reads available actions from the engine).
func (a *App) setupWorkflows(ctx context.Context) error {
	if a.authz == nil || a.identity == nil {
		return fmt.Errorf("workflows: authorization must be set up first")
	}
	dir := directory{az: a.authz, users: a.identity}
	e := engine.New(engine.Options{DB: a.DB, Log: a.Log, Authz: a.authz, Dir: dir, BaseURL: a.Cfg.BaseURL,
		Mailer: engine.SMTPMailer{Addr: a.Cfg.SMTPAddr, From: a.Cfg.SMTPFrom, User: a.Cfg.SMTPUser, Password: a.Cfg.SMTPPassword}})
	if err := e.SyncShipped(ctx, configs.FS, "workflows"); err != nil {
		return err
	}
	a.RegisterPlanWorkflows(e)
	plans := a.PlanService()
	ts := a.newTenantStore()
	est := consolidation.New(consolidation.Deps{DB: a.DB, Log: a.Log, Plans: plans,
		Tenants: func(ctx context.Context) ([]string, error) { return allTenants(ctx, ts) },
		PlanYear: func(ctx context.Context, tenant, id string) (int, error) {
			v, err := plans.Get(ctx, tenant, id)
			if err != nil {
				return 0, err
			}
			return v.Year, nil
		}})
	e.RegisterSubject("budget", est)
	e.RegisterGuard("budget_compiled", est.GuardCompiled)
	e.RegisterJob("recompute_consolidation", consolidation.RecomputeJob)
	a.Worker.HandleEffect(consolidation.RecomputeJob, est.HandleRecompute)
	e.RegisterJobs(a.Worker)
	api.Register(a.Web, e)
	est.Register(a.Web)
	a.wf = e
	return nil
}

// allTenants lists every tenant, ended ones included (their plans before the
// merger still count for their years).
func allTenants(ctx context.Context, ts *tenants.Store) ([]string, error) {
	list, err := ts.List(ctx, tenants.ListFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, t := range list {
		out = append(out, t.ID)
	}
	return out, nil
}

// directory finds the people a workflow notifies: users holding a role in the
// tenant, plus central users whose rules reach it, filtered by the decision.
type directory struct {
	az    *authz.Service
	users *identity.Service
}

func (d directory) candidates(ctx context.Context, tenant string) (map[string][]string, error) {
	in, err := d.az.UsersIn(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if tenant != core.CentralTenant {
		central, err := d.az.UsersIn(ctx, core.CentralTenant)
		if err != nil {
			return nil, err
		}
		for u, roles := range central {
			if _, ok := in[u]; !ok {
				in[u] = roles
			}
		}
	}
	return in, nil
}

func (d directory) UsersWhoCan(ctx context.Context, tenant, obj, act string) ([]engine.Person, error) {
	cands, err := d.candidates(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []engine.Person
	for _, u := range userIDs(cands) {
		ok, err := d.az.Enforce(ctx, u, tenant, obj, act)
		if err != nil {
			return nil, err
		}
		if ok {
			p, err := d.Person(ctx, u)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (d directory) UsersWithRole(ctx context.Context, tenant, role string) ([]engine.Person, error) {
	in, err := d.az.UsersIn(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []engine.Person
	for _, u := range userIDs(in) {
		if slices.Contains(in[u], role) {
			p, err := d.Person(ctx, u)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (d directory) Person(ctx context.Context, id string) (engine.Person, error) {
	u, err := d.users.UserByID(ctx, id)
	if err != nil {
		return engine.Person{}, err
	}
	if u.Status != "active" {
		return engine.Person{ID: u.ID, Name: u.Name}, nil // no e-mail to disabled users
	}
	return engine.Person{ID: u.ID, Email: u.Email, Name: u.Name}, nil
}

func userIDs(m map[string][]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
