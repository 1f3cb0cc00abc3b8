package main

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/plan"
	"doanbd/core/program"
	"doanbd/core/sqldb"
	"doanbd/core/web"
	"doanbd/workflows/engine"
)

// The programme catalogue, rate tables, plans and budget lines. The services
// are stateless over the database and the plugin host, so each accessor
// builds a fresh one; other capabilities (workflows, UI) call them.

// extensions returns the plugin host's capabilities, or nils when the host
// cannot be built (no plugins: rate tables and the central catalogue only).
func (a *App) extensions() (core.ProgramCatalog, core.PlanRules, core.CostNorms) {
	h, err := a.PluginHost()
	if err != nil || h == nil {
		if err != nil {
			a.Log.Warn("plans without plugins", "err", err)
		}
		return nil, nil, nil
	}
	return h, h, h
}

// ProgramService is the programme catalogue.
func (a *App) ProgramService() *program.Service {
	local, _, _ := a.extensions()
	return program.NewService(a.DB, program.Options{Local: local})
}

// BudgetService keeps rate tables and budget lines.
func (a *App) BudgetService() *budget.Service {
	_, _, norms := a.extensions()
	return budget.NewService(a.DB, budget.Options{Norms: norms})
}

// PlanService keeps plans and classes; nominated cadres are checked against
// the roster (without the roster, for want of an encryption key, they are
// not checked and the plan still works).
func (a *App) PlanService() *plan.Service {
	_, rules, _ := a.extensions()
	o := plan.Options{Programs: a.ProgramService(), Budget: a.BudgetService(), Rules: rules}
	if r, _, err := a.RosterParts(); err != nil {
		a.Log.Warn("plans: nominees not checked against the roster", "err", err)
	} else {
		o.Nominees = rosterNominees{r}
	}
	return plan.NewService(a.DB, o)
}

// Idempotency remembers the answers of create requests sent with an
// Idempotency-Key (table idempotency_keys).
func (a *App) Idempotency() *web.Idempotency {
	return &web.Idempotency{Log: a.Log, Store: web.NewIdemTable(func(ctx context.Context, tenant string, fn func(context.Context, bun.Tx) error) error {
		return a.DB.TenantTx(ctx, tenant, sqldb.TxFunc(fn))
	})}
}

// planActions fills available_actions of plans and programmes from the
// workflow engine (built by setupWorkflows, which runs before setupPlans).
func (a *App) planActions() workflowActions { return workflowActions{a.wf} }

// setupPlans registers the catalogue, rate-table and plan routes.
func (a *App) setupPlans(_ context.Context) error {
	idem := a.Idempotency()
	acts := a.planActions()
	program.RegisterAPI(a.Web, a.ProgramService(), program.APIOptions{Actions: acts, Idem: idem})
	budget.RegisterAPI(a.Web, a.BudgetService(), idem)
	plan.RegisterAPI(a.Web, a.PlanService(), plan.APIOptions{Actions: acts, Idem: idem})
	return nil
}

// seedPrograms is the "programs" seed step: the central catalogue from
// configs/seed/programs.yaml; with --demo also the example rate tables
// (configs/seed/rates.yaml) and p79's 2023–2027 period plan with targets.
func seedPrograms(ctx context.Context, a *App, o SeedOptions) error {
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		return fmt.Errorf("read embedded programs seed: %w", err)
	}
	res, err := a.ProgramService().Seed(ctx, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "programs: %d groups, %d titles; %d programmes created, %d updated, %d unchanged\n",
		res.Groups, res.Titles, res.Created, res.Updated, res.Unchanged)
	if !o.Demo {
		return nil
	}
	if src, err = configs.FS.ReadFile("seed/rates.yaml"); err != nil {
		return fmt.Errorf("read embedded rates seed: %w", err)
	}
	rr, err := a.BudgetService().SeedRates(ctx, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "rate tables (examples): %d created, %d updated, %d unchanged, %d kept as edited\n",
		rr.Created, rr.Updated, rr.Unchanged, rr.Kept)
	return seedDemoPeriodPlan(ctx, a, o)
}

// seedDemoPeriodPlan gives p79 its 2023–2027 plan with yearly targets
// (demo figures), unless it has one.
func seedDemoPeriodPlan(ctx context.Context, a *App, o SeedOptions) error {
	svc := a.PlanService()
	_, n, err := svc.List(ctx, "p79", plan.ListFilter{Kind: plan.KindPeriod, Limit: 1})
	if err != nil || n > 0 {
		return err
	}
	p, err := svc.Create(ctx, "p79", plan.CreateInput{Kind: plan.KindPeriod, Note: "Dữ liệu mẫu để dùng thử."})
	if err != nil {
		return err
	}
	var ts []plan.Target
	for y := plan.DefaultPeriodFrom; y <= plan.DefaultPeriodTo; y++ {
		for _, g := range []struct {
			group             string
			classes, learners int
		}{{"TW1", 2, 120}, {"TW2", 4, 300}, {"TW4", 2, 100}, {"TINH1", 3, 180}, {"TINH3", 8, 640}} {
			ts = append(ts, plan.Target{Year: y, Dimension: plan.DimGroup, Key: g.group, Classes: g.classes, Learners: g.learners})
		}
		ts = append(ts, plan.Target{Year: y, Dimension: plan.DimSource, Key: budget.SourceLocal, Amount: 1_500_000_000},
			plan.Target{Year: y, Dimension: plan.DimSource, Key: budget.SourceCentral, Amount: 200_000_000})
	}
	if _, err := svc.SetTargets(ctx, "p79", p.ID, ts); err != nil {
		return err
	}
	fmt.Fprintln(o.Out, "plans: p79 period plan 2023–2027 with demo targets")
	return nil
}

// RegisterPlanWorkflows connects plans and programme variants to the
// workflow engine (configs/workflows/annual_plan.yaml, program_variant.yaml):
// subjects "plan" and "program", guards plan_valid, plan_rules and
// variant_valid, and the in-transaction effects snapshot_version (keeps the
// submitted version) and publish_variant (re-checks the variant as it is
// published; the status itself is mirrored by the engine). The workflow
// wiring calls it once with its engine.
func (a *App) RegisterPlanWorkflows(e *engine.Engine) {
	plans, progs := a.PlanService(), a.ProgramService()
	e.RegisterSubject("plan", planSubject{plans})
	e.RegisterSubject("program", programSubject{progs})
	e.RegisterGuard("plan_valid", func(ctx context.Context, tx bun.Tx, c engine.Call) error {
		return plans.ValidateForSubmit(ctx, tx, c.Tenant, c.SubjectID)
	})
	e.RegisterGuard("plan_rules", func(ctx context.Context, tx bun.Tx, c engine.Call) error {
		return plans.CheckRules(ctx, tx, c.Tenant, c.SubjectID)
	})
	e.RegisterGuard("variant_valid", func(ctx context.Context, tx bun.Tx, c engine.Call) error {
		return progs.ValidateVariant(ctx, tx, c.Tenant, c.SubjectID)
	})
	e.RegisterHook("snapshot_version", func(ctx context.Context, tx bun.Tx, c engine.Call) error {
		var err error
		switch c.SubjectType {
		case "plan":
			_, err = plans.Snapshot(ctx, tx, c.Tenant, c.SubjectID)
		case "program":
			_, err = progs.Snapshot(ctx, tx, c.Tenant, c.SubjectID)
		default:
			err = fmt.Errorf("snapshot_version: no versions kept for %q", c.SubjectType)
		}
		return err
	})
	e.RegisterHook("publish_variant", func(ctx context.Context, tx bun.Tx, c engine.Call) error {
		return progs.ValidateVariant(ctx, tx, c.Tenant, c.SubjectID)
	})
}

type planSubject struct{ s *plan.Service }

func (p planSubject) Workflow(ctx context.Context, q bun.IDB, tenant, id string) (string, error) {
	w, err := p.s.ForWorkflow(ctx, q, tenant, id)
	return w.Workflow, err
}

func (p planSubject) Load(ctx context.Context, q bun.IDB, tenant, id string) (engine.SubjectInfo, error) {
	w, err := p.s.ForWorkflow(ctx, q, tenant, id)
	return engine.SubjectInfo{Title: w.Title, Status: w.Status, AuthorID: w.AuthorID, Link: w.Link}, err
}

func (p planSubject) LoadMany(ctx context.Context, q bun.IDB, refs []engine.SubjectRef) (map[engine.SubjectRef]engine.SubjectInfo, error) {
	return loadMany(refs, func(tenants, ids []string) (map[string]plan.WorkflowInfo, error) {
		return p.s.ForWorkflowMany(ctx, q, tenants, ids)
	}, func(w plan.WorkflowInfo) engine.SubjectInfo {
		return engine.SubjectInfo{Title: w.Title, Status: w.Status, AuthorID: w.AuthorID, Link: w.Link}
	})
}

func (p planSubject) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	return p.s.SetStatus(ctx, tx, tenant, id, status)
}

type programSubject struct{ s *program.Service }

func (p programSubject) Workflow(ctx context.Context, q bun.IDB, tenant, id string) (string, error) {
	w, err := p.s.ForWorkflow(ctx, q, tenant, id)
	return w.Workflow, err
}

func (p programSubject) Load(ctx context.Context, q bun.IDB, tenant, id string) (engine.SubjectInfo, error) {
	w, err := p.s.ForWorkflow(ctx, q, tenant, id)
	return engine.SubjectInfo{Title: w.Title, Status: w.Status, AuthorID: w.AuthorID, Link: w.Link}, err
}

func (p programSubject) LoadMany(ctx context.Context, q bun.IDB, refs []engine.SubjectRef) (map[engine.SubjectRef]engine.SubjectInfo, error) {
	return loadMany(refs, func(tenants, ids []string) (map[string]program.WorkflowInfo, error) {
		return p.s.ForWorkflowMany(ctx, q, tenants, ids)
	}, func(w program.WorkflowInfo) engine.SubjectInfo {
		return engine.SubjectInfo{Title: w.Title, Status: w.Status, AuthorID: w.AuthorID, Link: w.Link}
	})
}

// loadMany adapts a domain's ForWorkflowMany (keyed tenant/id) to the
// engine's ManyLoader.
func loadMany[W any](refs []engine.SubjectRef, many func(tenants, ids []string) (map[string]W, error),
	info func(W) engine.SubjectInfo) (map[engine.SubjectRef]engine.SubjectInfo, error) {
	tenants, ids := make([]string, 0, len(refs)), make([]string, 0, len(refs))
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.Tenant] {
			seen[r.Tenant] = true
			tenants = append(tenants, r.Tenant)
		}
		ids = append(ids, r.ID)
	}
	ws, err := many(tenants, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[engine.SubjectRef]engine.SubjectInfo, len(refs))
	for _, r := range refs {
		if w, ok := ws[r.Tenant+"/"+r.ID]; ok {
			out[r] = info(w)
		}
	}
	return out, nil
}

func (p programSubject) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	return p.s.SetStatus(ctx, tx, tenant, id, status)
}

// workflowActions answers available_actions from the workflow engine: the
// actions the caller may fire now. Without an engine, or for a record with no
// workflow (a sub-plan, a central programme), none.
type workflowActions struct{ e *engine.Engine }

func (w workflowActions) AvailableActions(ctx context.Context, tenant, subject, id, _ string) ([]string, error) {
	if w.e == nil {
		return []string{}, nil
	}
	p, _ := core.PrincipalFrom(ctx)
	st, err := w.e.Status(ctx, p, tenant, subject, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return []string{}, nil
	} else if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(st.Actions))
	for _, act := range st.Actions {
		out = append(out, act.Action)
	}
	return out, nil
}
