package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core/sqldb"
	"doanbd/core/synth"
	"doanbd/workflows/consolidation"
	"doanbd/workflows/definition"
	"doanbd/workflows/engine"
)

// syntheticFlags are the `doanbd seed --synthetic` flags: national-scale
// synthetic data for benchmarks and demonstrations (core/synth).
type syntheticFlags struct {
	on     bool
	quick  bool
	cadres int
	enrols int
	plans  int
	seed   int64
	flags  *pflag.FlagSet // to tell --enrolments 0 from no --enrolments
}

// quickCadres is the --quick scale: enough for every tenant to get units,
// cadres and plans in every state, in seconds.
const quickCadres = 2000

func (f *syntheticFlags) add(fs *pflag.FlagSet) {
	fs.BoolVar(&f.on, "synthetic", false, "after the reference data, load deterministic synthetic data at national scale (benchmarks, demonstrations)")
	fs.IntVar(&f.cadres, "cadres", 500_000, "with --synthetic: cadres in all, shared among the active tenants")
	f.flags = fs
	fs.IntVar(&f.enrols, "enrolments", 0, "with --synthetic: training enrolments in all, over 2023–2027 (default "+strconv.Itoa(synth.EnrolmentsPerCadre)+" × --cadres; 0: none)")
	fs.IntVar(&f.plans, "plans", 0, "with --synthetic: annual plans in all (0: 2023–2027 for every tenant; more become units' sub-plans)")
	fs.Int64Var(&f.seed, "seed", 1, "with --synthetic: random seed (the same seed and scale give the same data)")
	fs.BoolVar(&f.quick, "quick", false, "with --synthetic: a small scale ("+strconv.Itoa(quickCadres)+" cadres) that loads in seconds")
}

// run loads the synthetic data when --synthetic was given; a database that
// already has synthetic data is left as it is.
func (f *syntheticFlags) run(ctx context.Context, a *App, out io.Writer) error {
	if !f.on {
		return nil
	}
	o := synth.Options{Seed: f.seed, Cadres: f.cadres, Plans: f.plans}
	if f.quick {
		o.Cadres = quickCadres
	}
	if f.flags != nil && f.flags.Changed("enrolments") {
		o.Enrolments = f.enrols
		if f.enrols == 0 {
			o.Enrolments = -1 // none
		}
	}
	r, err := a.Roster()
	if err != nil {
		return fmt.Errorf("seed synthetic: %w", err)
	}
	wf, err := annualPlanWorkflow(ctx, a)
	if err != nil {
		return fmt.Errorf("seed synthetic: %w", err)
	}
	plans := a.PlanService()
	// The load allocates millions of short-lived row values: collecting
	// less often takes about a tenth off its CPU time, for a heap of a few
	// hundred megabytes more while it runs.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	fmt.Fprintf(out, "synthetic: %d cán bộ, hạt giống %d …\n", o.Cadres, o.Seed)
	res, err := synth.Seed(ctx, synth.Deps{DB: a.DB, Sealer: r.Sealer(), Workflow: wf, Progress: out,
		Snapshot: func(ctx context.Context, tx bun.Tx, tenant, id string) error {
			_, err := plans.Snapshot(ctx, tx, tenant, id)
			return err
		}}, o)
	if err != nil {
		return fmt.Errorf("seed synthetic: %w", err)
	}
	if res.Present > 0 {
		fmt.Fprintf(out, "synthetic: %d tổ chức Đoàn đã có dữ liệu giả lập, không ghi thêm (muốn quy mô khác thì dùng cơ sở dữ liệu mới)\n", res.Present)
		return nil
	}
	if err := recomputeEstimates(ctx, a); err != nil {
		return fmt.Errorf("seed synthetic: %w", err)
	}
	if !a.Cfg.Embedded() {
		t0 := time.Now()
		if err := vacuum(ctx, a); err != nil {
			// The data is there; only the statistics wait for autovacuum.
			a.Log.Warn("synthetic data not vacuumed", "err", err)
			fmt.Fprintf(out, "synthetic: chưa VACUUM ANALYZE được (%v); autovacuum sẽ làm sau, trong lúc đó các truy vấn đếm chậm hơn\n", err)
		} else {
			fmt.Fprintf(out, "synthetic: VACUUM ANALYZE %.1f s\n", time.Since(t0).Seconds())
		}
	}
	a.Log.Info("synthetic data loaded", "cadres", res.Counts.Cadres, "elapsed", res.Elapsed, "cpu", res.CPU,
		"cadres_per_s", int(res.CadresPerSecond()))
	fmt.Fprintf(out, "synthetic: %s\nsynthetic: %.1f s (CPU %.1f s), %.0f cán bộ/giây\n", res.Counts,
		res.Elapsed.Seconds(), res.CPU.Seconds(), res.CadresPerSecond())
	return nil
}

// vacuum runs synth.Vacuum as the tables' owner: the migrating role when
// DOANBD_MIGRATE_DATABASE_URL is set, else the application's own role.
func vacuum(ctx context.Context, a *App) error {
	if a.Cfg.MigrateURL == "" {
		return synth.Vacuum(ctx, a.DB)
	}
	db, err := sqldb.Open(ctx, sqldb.Options{URL: a.Cfg.MigrateURL, MaxConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	return synth.Vacuum(ctx, db)
}

// recomputeEstimates compiles the national budget estimate of every year of
// the programme: the synthetic plans were approved without the workflow's
// recompute_consolidation effect, so the estimates are compiled here.
func recomputeEstimates(ctx context.Context, a *App) error {
	ts := a.newTenantStore()
	est := consolidation.New(consolidation.Deps{DB: a.DB, Log: a.Log, Plans: a.PlanService(),
		Tenants: func(ctx context.Context) ([]string, error) { return allTenants(ctx, ts) }})
	for y := 2023; y <= 2027; y++ {
		if _, err := est.Recompute(ctx, strconv.Itoa(y), "system"); err != nil {
			return fmt.Errorf("national estimate %d: %w", y, err)
		}
	}
	return nil
}

// annualPlanWorkflow stores the shipped workflow definitions (unchanged
// ones are not stored again) and returns the annual-plan definition new
// instances run on, with its SLAs.
func annualPlanWorkflow(ctx context.Context, a *App) (synth.Workflow, error) {
	e := engine.New(engine.Options{DB: a.DB, Log: slog.New(slog.DiscardHandler)})
	if err := e.SyncShipped(ctx, configs.FS, "workflows"); err != nil {
		return synth.Workflow{}, err
	}
	defs, err := e.Definitions(ctx, "tw")
	if err != nil {
		return synth.Workflow{}, err
	}
	var best *engine.DefinitionInfo
	for i, d := range defs {
		if d.Name == "annual_plan" && d.Tenant == engine.ShippedTenant && (best == nil || d.Version > best.Version) {
			best = &defs[i]
		}
	}
	if best == nil {
		return synth.Workflow{}, fmt.Errorf("the annual_plan workflow definition is not stored")
	}
	def, probs := definition.Parse([]byte(best.Source), engine.Catalog)
	if probs != nil {
		return synth.Workflow{}, fmt.Errorf("annual_plan definition: %w", probs)
	}
	wf := synth.Workflow{DefinitionID: best.ID, Due: map[string]time.Duration{}}
	for name, s := range def.States {
		if s.SLA != nil {
			wf.Due[name] = s.SLA.Due
		}
	}
	return wf, nil
}
