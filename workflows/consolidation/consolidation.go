// Package consolidation keeps the national budget estimate of a year: the
// central office's compilation of the centrally funded lines of approved
// plans, recomputed by a job whenever a plan is approved or reopened, and
// the subject ("budget", id = year) of the budget_consolidation workflow.
package consolidation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/plan"
	"doanbd/core/sqldb"
	"doanbd/workflows/engine"
	"doanbd/workflows/outbox"
)

// Workflow is the definition the estimates run through.
const Workflow = "budget_consolidation"

// RecomputeJob is the outbox job kind of the recompute_consolidation effect.
const RecomputeJob = "budget.recompute"

// Estimate is one year's national estimate.
type Estimate struct {
	bun.BaseModel `bun:"table:budget_estimates"`

	TenantID   string              `bun:"tenant_id,pk" json:"tenant"`
	ID         string              `bun:"id,pk" json:"id"`
	Year       int                 `bun:"year,notnull" json:"year"`
	Status     string              `bun:"status,notnull" json:"status"`
	Total      int64               `bun:"total,notnull" json:"total"`
	Plans      int                 `bun:"plans,notnull" json:"plans"`
	Data       string              `bun:"data,notnull" json:"-"`
	ComputedAt *time.Time          `bun:"computed_at" json:"computed_at,omitempty"`
	CreatedBy  string              `bun:"created_by,notnull" json:"created_by"`
	CreatedAt  time.Time           `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time           `bun:"updated_at,notnull" json:"updated_at"`
	Detail     *plan.Consolidation `bun:"-" json:"detail,omitempty"`
}

// Consolidator compiles a year's plans (plan.Service).
type Consolidator interface {
	Consolidate(ctx context.Context, q plan.ConsolidationQuery) (*plan.Consolidation, error)
}

// Deps are what the service needs from other capabilities.
type Deps struct {
	DB    *sqldb.DB
	Log   *slog.Logger
	Plans Consolidator
	// Tenants lists every tenant whose plans count nationally.
	Tenants func(ctx context.Context) ([]string, error)
	// PlanYear returns the year of a plan (for the recompute effect).
	PlanYear func(ctx context.Context, tenant, planID string) (int, error)
}

// Service keeps the estimates.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

func yearOf(id string) (int, error) {
	y, err := strconv.Atoi(id)
	if err != nil || y < 2023 || y > 2030 {
		return 0, core.Errorf(core.ENOTFOUND, "Không tìm thấy dự toán năm %q.", id)
	}
	return y, nil
}

func (s *Service) load(ctx context.Context, q bun.IDB, tenant, id string) (*Estimate, error) {
	if tenant != core.CentralTenant {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy dự toán.")
	}
	var e Estimate
	err := q.NewSelect().Model(&e).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Chưa có dự toán năm %s: hãy tổng hợp trước.", id)
	} else if err != nil {
		return nil, fmt.Errorf("load estimate %s: %w", id, err)
	}
	return &e, nil
}

// Get returns the estimate of a year with its detail. For the central office
// it is the stored national estimate; for any other tenant, its own share,
// compiled live from its own approved plans (no workflow runs on it).
func (s *Service) Get(ctx context.Context, tenant, id string) (*Estimate, error) {
	if tenant != core.CentralTenant {
		year, err := yearOf(id)
		if err != nil {
			return nil, err
		}
		c, err := s.d.Plans.Consolidate(ctx, plan.ConsolidationQuery{Year: year, Tenants: []string{tenant}})
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		return &Estimate{TenantID: tenant, ID: id, Year: year, Status: "live", Total: c.Total, Plans: len(c.Plans),
			ComputedAt: &now, CreatedAt: now, UpdatedAt: now, Detail: c}, nil
	}
	var e *Estimate
	err := s.d.DB.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		e, err = s.load(ctx, q, tenant, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	var c plan.Consolidation
	if err := json.Unmarshal([]byte(e.Data), &c); err == nil && c.Year != 0 {
		e.Detail = &c
	}
	return e, nil
}

// Recompute compiles the year again from every tenant's approved plans and
// stores it; the workflow state is kept. Safe to repeat.
func (s *Service) Recompute(ctx context.Context, id, actor string) (*Estimate, error) {
	year, err := yearOf(id)
	if err != nil {
		return nil, err
	}
	tenants, err := s.d.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("recompute estimate: %w", err)
	}
	c, err := s.d.Plans.Consolidate(ctx, plan.ConsolidationQuery{Year: year, Tenants: tenants})
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode estimate: %w", err)
	}
	now := time.Now().UTC()
	e := &Estimate{TenantID: core.CentralTenant, ID: id, Year: year, Status: "compiling", Total: c.Total, Plans: len(c.Plans),
		Data: string(data), ComputedAt: &now, CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	err = s.d.DB.TenantTx(ctx, core.CentralTenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(e).
			On("CONFLICT (tenant_id, id) DO UPDATE").
			Set("total = EXCLUDED.total, plans = EXCLUDED.plans, data = EXCLUDED.data, computed_at = EXCLUDED.computed_at, updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("save estimate: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, core.CentralTenant, id)
}

// HandleRecompute is the recompute_consolidation effect: a plan was approved
// or reopened, so its year's estimate is compiled again. It runs outside a
// transaction (the compilation reads every tenant) and is idempotent.
func (s *Service) HandleRecompute(ctx context.Context, d outbox.Delivery) error {
	var p engine.EffectPayload
	if err := d.Decode(&p); err != nil {
		return err
	}
	year, err := s.d.PlanYear(ctx, d.Tenant, p.SubjectID)
	if err != nil {
		return fmt.Errorf("recompute: plan year: %w", err)
	}
	_, err = s.Recompute(ctx, strconv.Itoa(year), "system")
	return err
}

// Workflow implements engine.Subject. Another tenant's share of the
// estimate exists (it is compiled live) but no workflow runs on it.
func (s *Service) Workflow(ctx context.Context, q bun.IDB, tenant, id string) (string, error) {
	if tenant != core.CentralTenant {
		_, err := yearOf(id)
		return "", err
	}
	if _, err := s.load(ctx, q, tenant, id); err != nil {
		return "", err
	}
	return Workflow, nil
}

// Load implements engine.Subject.
func (s *Service) Load(ctx context.Context, q bun.IDB, tenant, id string) (engine.SubjectInfo, error) {
	e, err := s.load(ctx, q, tenant, id)
	if err != nil {
		return engine.SubjectInfo{}, err
	}
	return engine.SubjectInfo{Title: "Dự toán kinh phí toàn quốc năm " + id, Status: e.Status, AuthorID: e.CreatedBy,
		Link: "/t/tw/budget-estimates/" + id}, nil
}

// SetStatus implements engine.Subject.
func (s *Service) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	_, err := tx.NewUpdate().Model((*Estimate)(nil)).Set("status = ?", status).Set("updated_at = ?", time.Now().UTC()).
		Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set estimate status: %w", err)
	}
	return nil
}

// GuardCompiled is the budget_compiled guard: the estimate has been compiled.
func (s *Service) GuardCompiled(ctx context.Context, tx bun.Tx, c engine.Call) error {
	e, err := s.load(ctx, tx, c.Tenant, c.SubjectID)
	if err != nil {
		return err
	}
	if e.ComputedAt == nil {
		return core.Invalid("Dự toán chưa được tổng hợp.", core.FieldError{Field: "computed_at", Message: "hãy tổng hợp lại trước khi gửi thẩm tra"})
	}
	return nil
}
