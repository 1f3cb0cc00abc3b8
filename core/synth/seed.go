package synth

import (
	"context"
	"fmt"
	"io"
	"sort"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"doanbd/core/cadre"
	"doanbd/core/cadre/seal"
	"doanbd/core/sqldb"
)

// Deps are what Seed writes with.
type Deps struct {
	DB *sqldb.DB
	// Sealer encrypts CCCD, ethnicity and religion with the configured key,
	// exactly as the roster does, so the roster can read them back.
	Sealer *seal.Sealer
	// Workflow is the stored annual-plan definition instances run on.
	Workflow Workflow
	// Progress receives one line per tenant (nil: silent).
	Progress io.Writer
	// Snapshot, when set, keeps the submitted version of each plan that
	// went past draft (core/plan's snapshot_version effect), in a
	// transaction of the plan's tenant after its rows are written.
	Snapshot func(ctx context.Context, tx bun.Tx, tenant, planID string) error
}

// Result reports a Seed run.
type Result struct {
	// Present is the number of tenants that already had synthetic data:
	// then nothing was written.
	Present int
	Counts  Counts
	Elapsed time.Duration
	// CPU is the process's CPU time (user and system) during the run: on a
	// busy machine a fairer measure of the work than the wall time.
	CPU time.Duration
}

// CadresPerSecond is the write rate of the run.
func (r Result) CadresPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Counts.Cadres) / r.Elapsed.Seconds()
}

// Seed generates and writes the synthetic data. It is a no-op when any
// tenant already has synthetic units (Result.Present > 0): the data of one
// seed and scale is loaded once; load another scale into a fresh database.
func Seed(ctx context.Context, d Deps, o Options) (Result, error) {
	start, cpu0 := time.Now(), cpuTime()
	in, err := LoadInputs(ctx, d.DB)
	if err != nil {
		return Result{}, err
	}
	present, err := Present(ctx, d.DB, in.Tenants)
	if err != nil || present > 0 {
		return Result{Present: present}, err
	}
	if d.Workflow.DefinitionID == "" && (o.Plans > 0 || len(in.Programs) > 0) {
		return Result{}, fmt.Errorf("synthetic data: the annual-plan workflow definition is not stored (sync the shipped workflows first)")
	}
	g, err := NewGenerator(o, in)
	if err != nil {
		return Result{}, err
	}
	var w writer
	if d.DB.Dialect == sqldb.Postgres {
		w, err = newPGWriter(ctx, d.DB)
	} else {
		w, err = newSQLiteWriter(ctx, d.DB)
	}
	if err != nil {
		return Result{}, err
	}
	rb := &rowBuilder{postgres: d.DB.Dialect == sqldb.Postgres, seal: d.Sealer, wf: d.Workflow}
	type item struct {
		data *TenantData
		rows batch
	}
	// One goroutine generates and seals while the other writes: the two
	// halves take about as long, and the machine may have only two cores.
	ch := make(chan item, 1)
	eg, ectx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		defer close(ch)
		for i := range g.Tenants() {
			data := g.Tenant(i)
			select {
			case ch <- item{data, rb.rows(data)}:
			case <-ectx.Done():
				return ectx.Err()
			}
		}
		return nil
	})
	var res Result
	eg.Go(func() error {
		for it := range ch {
			t0 := time.Now()
			if err := w.write(ectx, it.data.Tenant.Slug, it.rows); err != nil {
				return fmt.Errorf("synthetic data for %s: %w", it.data.Tenant.Slug, err)
			}
			if err := snapshot(ectx, d, it.data); err != nil {
				return fmt.Errorf("synthetic data for %s: %w", it.data.Tenant.Slug, err)
			}
			before := res.Counts.Enrolments
			res.Counts.add(it.data)
			if d.Progress != nil {
				fmt.Fprintf(d.Progress, "  %-6s %7d cán bộ, %5d đơn vị, %3d kế hoạch, %7d lượt bồi dưỡng (%.1f s)\n", it.data.Tenant.Slug,
					len(it.data.Cadres), len(it.data.Units), len(it.data.Plans), res.Counts.Enrolments-before, time.Since(t0).Seconds())
			}
		}
		return nil
	})
	err = eg.Wait()
	if cerr := w.close(ctx); err == nil {
		err = cerr
	}
	res.Elapsed, res.CPU = time.Since(start), cpuTime()-cpu0
	return res, err
}

// snapshot keeps the submitted version of the tenant's plans that left draft.
func snapshot(ctx context.Context, d Deps, data *TenantData) error {
	if d.Snapshot == nil {
		return nil
	}
	return d.DB.TenantTx(ctx, data.Tenant.Slug, func(ctx context.Context, tx bun.Tx) error {
		for _, p := range data.Plans {
			if p.Instance == nil {
				continue
			}
			if err := d.Snapshot(ctx, tx, data.Tenant.Slug, p.ID); err != nil {
				return fmt.Errorf("snapshot plan %s: %w", p.ID, err)
			}
		}
		return nil
	})
}

// cpuTime is the CPU time the process has used (0 where unknown).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadInputs reads the active tenants (with their current names), the
// published central programmes and every tenant's rate tables.
func LoadInputs(ctx context.Context, db *sqldb.DB) (Inputs, error) {
	var in Inputs
	type tenantRow struct {
		ID, Kind, Code, Name string
	}
	var ts []tenantRow
	err := db.DB.NewSelect().TableExpr("tenants AS t").
		ColumnExpr("t.id, t.kind, t.code").
		ColumnExpr("(SELECT n.name FROM tenant_names AS n WHERE n.tenant_id = t.id ORDER BY n.valid_from DESC LIMIT 1) AS name").
		Where("t.status = 'active'").OrderExpr("t.id").Scan(ctx, &ts)
	if err != nil {
		return in, fmt.Errorf("synthetic data: read tenants: %w", err)
	}
	slugs := make([]string, len(ts))
	for i, t := range ts {
		in.Tenants = append(in.Tenants, Tenant{Slug: t.ID, Kind: t.Kind, Code: t.Code, Name: t.Name})
		slugs[i] = t.ID
	}
	if len(slugs) == 0 {
		return in, nil
	}
	in.Rates = map[string][]DatedRates{}
	err = db.ConsolidationTx(ctx, slugs, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().TableExpr("programs").
			ColumnExpr("id, code, name, group_code AS \"group\", version, audience, total_hours AS hours").
			Where("tenant_id = 'tw' AND status = 'published'").OrderExpr("code").Scan(ctx, &in.Programs); err != nil {
			return fmt.Errorf("read programmes: %w", err)
		}
		var tables []struct {
			ID, TenantID  string
			EffectiveFrom cadre.Date
		}
		if err := tx.NewSelect().TableExpr("rate_tables").Column("id", "tenant_id", "effective_from").
			OrderExpr("tenant_id, effective_from").Scan(ctx, &tables); err != nil {
			return fmt.Errorf("read rate tables: %w", err)
		}
		var items []struct {
			TableID string
			Rate
		}
		if err := tx.NewSelect().TableExpr("rate_items").
			Column("table_id", "item", "rank", "unit", "amount", "funding_source").
			OrderExpr("table_id, item, rank").Scan(ctx, &items); err != nil {
			return fmt.Errorf("read rates: %w", err)
		}
		byTable := map[string][]Rate{}
		for _, it := range items {
			byTable[it.TableID] = append(byTable[it.TableID], it.Rate)
		}
		for _, t := range tables {
			in.Rates[t.TenantID] = append(in.Rates[t.TenantID], DatedRates{RateTable{ID: t.ID, Rates: byTable[t.ID]}, t.EffectiveFrom})
		}
		return nil
	})
	if err != nil {
		return in, fmt.Errorf("synthetic data: %w", err)
	}
	for slug, rs := range in.Rates {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].From.Before(rs[j].From) })
		in.Rates[slug] = rs
	}
	return in, nil
}

// Present counts the tenants that already have synthetic data (their
// synthetic root unit).
func Present(ctx context.Context, db *sqldb.DB, tenants []Tenant) (int, error) {
	if len(tenants) == 0 {
		return 0, nil
	}
	slugs := make([]string, len(tenants))
	for i, t := range tenants {
		slugs[i] = t.Slug
	}
	var n int
	err := db.ConsolidationTx(ctx, slugs, func(ctx context.Context, tx bun.Tx) error {
		c, err := tx.NewSelect().TableExpr("units").Where("code = ?", RootCode).Count(ctx)
		n = int(c)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("synthetic data: look for earlier data: %w", err)
	}
	return n, nil
}
