package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/program"
	"doanbd/core/sqldb"
)

// Options wire the service's collaborators; Programs and Budget are required.
type Options struct {
	Programs *program.Service
	Budget   *budget.Service
	// Nominees checks nominated cadres against the roster; nil: not checked.
	Nominees NomineeLookup
	// Rules runs the tenant's rules plugins; nil: no plugin rules.
	Rules core.PlanRules
	// Now is the clock (tests); default time.Now in UTC.
	Now func() time.Time
}

// Service keeps plans, their classes and budget lines.
type Service struct {
	db       *sqldb.DB
	programs *program.Service
	budget   *budget.Service
	nominees NomineeLookup
	rules    core.PlanRules
	now      func() time.Time
}

// NewService returns the plan service on db.
func NewService(db *sqldb.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{db: db, programs: o.Programs, budget: o.Budget, nominees: o.Nominees, rules: o.Rules, now: o.Now}
}

var errNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy kế hoạch.")

// DefaultPeriod is the programme's period (Decision 489/QĐ-TTg).
const (
	DefaultPeriodFrom = 2023
	DefaultPeriodTo   = 2027
)

// CreateInput describes a new plan. An annual plan links to the tenant's
// period plan covering its year unless PeriodPlanID says otherwise; a unit's
// sub-plan (UnitID set) rolls into the tenant's annual plan of the year.
type CreateInput struct {
	Kind         string `json:"kind"`
	Year         int    `json:"year"`
	PeriodFrom   int    `json:"period_from"`
	PeriodTo     int    `json:"period_to"`
	Title        string `json:"title"`
	PeriodPlanID string `json:"period_plan_id"`
	ParentPlanID string `json:"parent_plan_id"`
	UnitID       string `json:"unit_id"`
	Note         string `json:"note"`
}

// Create makes a draft plan for tenant.
func (s *Service) Create(ctx context.Context, tenant string, in CreateInput) (*Plan, error) {
	now := s.now()
	p := &Plan{ID: sqldb.NewID(), TenantID: tenant, Kind: in.Kind, Title: strings.TrimSpace(in.Title), Status: StatusDraft,
		Version: 1, UnitID: strings.TrimSpace(in.UnitID), Note: strings.TrimSpace(in.Note), CreatedBy: principal(ctx),
		CreatedAt: now, UpdatedAt: now}
	var fs []core.FieldError
	switch in.Kind {
	case KindPeriod:
		p.PeriodFrom, p.PeriodTo = in.PeriodFrom, in.PeriodTo
		if p.PeriodFrom == 0 && p.PeriodTo == 0 {
			p.PeriodFrom, p.PeriodTo = DefaultPeriodFrom, DefaultPeriodTo
		}
		if p.PeriodFrom < 2000 || p.PeriodTo > 2100 || p.PeriodTo < p.PeriodFrom || p.PeriodTo-p.PeriodFrom > 9 {
			fs = append(fs, core.FieldError{Field: "period_to", Message: "Giai đoạn phải từ 1 đến 10 năm, trong khoảng 2000–2100."})
		}
		if p.UnitID != "" || in.ParentPlanID != "" {
			fs = append(fs, core.FieldError{Field: "unit_id", Message: "Kế hoạch giai đoạn chỉ lập ở cấp đơn vị, không có kế hoạch con."})
		}
		p.Year = p.PeriodFrom
		if p.Title == "" {
			p.Title = fmt.Sprintf("Kế hoạch bồi dưỡng cán bộ Đoàn giai đoạn %d–%d", p.PeriodFrom, p.PeriodTo)
		}
	case KindAnnual:
		if in.Year < 2000 || in.Year > 2100 {
			fs = append(fs, core.FieldError{Field: "year", Message: "Năm kế hoạch không hợp lệ."})
		}
		p.Year, p.PeriodFrom, p.PeriodTo = in.Year, in.Year, in.Year
		if p.Title == "" {
			p.Title = fmt.Sprintf("Kế hoạch bồi dưỡng cán bộ Đoàn năm %d", in.Year)
		}
		if in.ParentPlanID != "" && p.UnitID == "" {
			fs = append(fs, core.FieldError{Field: "unit_id", Message: "Kế hoạch con phải ghi rõ đơn vị lập."})
		}
	default:
		fs = append(fs, core.FieldError{Field: "kind", Message: "Loại kế hoạch phải là period (giai đoạn) hoặc annual (năm)."})
	}
	if len(fs) > 0 {
		return nil, core.Invalid("Kế hoạch chưa hợp lệ.", fs...)
	}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if p.Kind == KindAnnual {
			if err := s.link(ctx, tx, p, in); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				what := fmt.Sprintf("năm %d", p.Year)
				if p.Kind == KindPeriod {
					what = fmt.Sprintf("giai đoạn bắt đầu năm %d", p.Year)
				}
				if p.UnitID != "" {
					what += " của đơn vị " + p.UnitID
				}
				return core.Invalid("Kế hoạch đã tồn tại.", core.FieldError{Field: "year", Message: "Đã có kế hoạch " + what + "."})
			}
			return core.Internal(err, "insert plan")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// link sets an annual plan's period plan and, for a sub-plan, its parent.
func (s *Service) link(ctx context.Context, tx bun.Tx, p *Plan, in CreateInput) error {
	if in.PeriodPlanID != "" {
		pp, err := load(ctx, tx, p.TenantID, in.PeriodPlanID)
		if err != nil || pp.Kind != KindPeriod || p.Year < pp.PeriodFrom || p.Year > pp.PeriodTo {
			return core.Invalid("Kế hoạch chưa hợp lệ.", core.FieldError{Field: "period_plan_id",
				Message: fmt.Sprintf("Không có kế hoạch giai đoạn này bao gồm năm %d.", p.Year)})
		}
		p.PeriodPlanID = pp.ID
	} else {
		var pp Plan
		err := tx.NewSelect().Model(&pp).Column("id").
			Where("pl.tenant_id = ? AND pl.kind = ? AND pl.unit_id = '' AND pl.merged_from = ''", p.TenantID, KindPeriod).
			Where("pl.period_from <= ? AND pl.period_to >= ?", p.Year, p.Year).Limit(1).Scan(ctx)
		if err != nil && !isNoRows(err) {
			return core.Internal(err, "find period plan")
		}
		p.PeriodPlanID = pp.ID
	}
	if p.UnitID == "" {
		return nil
	}
	var parent *Plan
	var err error
	if in.ParentPlanID != "" {
		parent, err = load(ctx, tx, p.TenantID, in.ParentPlanID)
	} else {
		parent = &Plan{}
		err = tx.NewSelect().Model(parent).
			Where("pl.tenant_id = ? AND pl.kind = ? AND pl.year = ? AND pl.unit_id = '' AND pl.merged_from = ''",
				p.TenantID, KindAnnual, p.Year).Limit(1).Scan(ctx)
	}
	if err != nil || parent.Kind != KindAnnual || parent.Year != p.Year || parent.IsSubPlan() {
		if err != nil && !isNoRows(err) && core.ErrorCode(err) == core.EINTERNAL {
			return err
		}
		return core.Invalid("Kế hoạch chưa hợp lệ.", core.FieldError{Field: "parent_plan_id",
			Message: fmt.Sprintf("Chưa có kế hoạch năm %d của đơn vị để tổng hợp kế hoạch con.", p.Year)})
	}
	p.ParentPlanID, p.PeriodPlanID = parent.ID, parent.PeriodPlanID
	return nil
}

// load reads one of tenant's plans inside q.
func load(ctx context.Context, q bun.IDB, tenant, id string) (*Plan, error) {
	var p Plan
	err := q.NewSelect().Model(&p).Where("pl.tenant_id = ? AND pl.id = ?", tenant, id).Scan(ctx)
	if isNoRows(err) {
		return nil, errNotFound
	} else if err != nil {
		return nil, core.Internal(err, "load plan")
	}
	return &p, nil
}

// loadEditable reads a plan for a change: the plan and, for a sub-plan, its
// parent must both be editable (a sub-plan freezes with the plan it rolls
// into).
func loadEditable(ctx context.Context, tx bun.Tx, tenant, id string) (*Plan, error) {
	p, err := load(ctx, tx, tenant, id)
	if err != nil {
		return nil, err
	}
	if !Editable(p.Status) {
		return nil, notEditable(p.Status)
	}
	if p.IsSubPlan() {
		parent, err := load(ctx, tx, tenant, p.ParentPlanID)
		if err != nil {
			return nil, err
		}
		if !Editable(parent.Status) {
			return nil, core.Errorf(core.ECONFLICT, "Kế hoạch của đơn vị đã gửi duyệt nên kế hoạch con không sửa được nữa.")
		}
	}
	return p, nil
}

func notEditable(status string) error {
	return core.Errorf(core.ECONFLICT, "Kế hoạch đang ở trạng thái «%s» nên không sửa được; chỉ sửa khi là bản nháp hoặc bị trả lại.", status)
}

// Patch changes a plan's title or note; nil fields are kept.
type Patch struct {
	Title *string `json:"title"`
	Note  *string `json:"note"`
}

// Update applies patch to an editable plan.
func (s *Service) Update(ctx context.Context, tenant, id string, patch Patch) (*Plan, error) {
	var out *Plan
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if patch.Title != nil {
			if p.Title = strings.TrimSpace(*patch.Title); p.Title == "" {
				return core.Invalid("Kế hoạch chưa hợp lệ.", core.FieldError{Field: "title", Message: "Tên kế hoạch không được để trống."})
			}
		}
		if patch.Note != nil {
			p.Note = strings.TrimSpace(*patch.Note)
		}
		p.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(p).WherePK().Column("title", "note", "updated_at").Exec(ctx); err != nil {
			return core.Internal(err, "update plan")
		}
		out = p
		return nil
	})
	return out, err
}

// Delete removes a draft that was never submitted and has no sub-plans or
// annual plans under it.
func (s *Service) Delete(ctx context.Context, tenant, id string) error {
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := load(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if p.Status != StatusDraft {
			return notEditable(p.Status)
		}
		n, err := tx.NewSelect().Table("plan_versions").Where("tenant_id = ? AND plan_id = ?", tenant, id).Count(ctx)
		if err != nil {
			return core.Internal(err, "count plan versions")
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "Kế hoạch đã từng gửi duyệt nên không xóa được.")
		}
		n, err = tx.NewSelect().Model((*Plan)(nil)).
			Where("tenant_id = ? AND (parent_plan_id = ? OR period_plan_id = ?)", tenant, id, id).Count(ctx)
		if err != nil {
			return core.Internal(err, "count dependent plans")
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "Còn kế hoạch khác thuộc kế hoạch này nên không xóa được.")
		}
		if _, err := tx.NewDelete().Model((*budget.Line)(nil)).Where("tenant_id = ? AND plan_id = ?", tenant, id).Exec(ctx); err != nil {
			return core.Internal(err, "delete plan lines")
		}
		if _, err := tx.NewDelete().Model(p).WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "delete plan")
		}
		return nil
	})
}

// ListFilter narrows a list of plans.
type ListFilter struct {
	Kind   string
	Year   int
	Status string
	UnitID string
	// ParentPlanID lists the sub-plans of a plan; Top lists only plans that
	// are not sub-plans.
	ParentPlanID string
	Top          bool
	Limit        int
	Offset       int
}

// Summary is a plan in a list, with its own totals.
type Summary struct {
	Plan
	Classes  int           `json:"classes"`
	Learners int           `json:"learners"`
	Budget   budget.Totals `json:"budget"`
}

// List returns a page of tenant's plans, newest year first.
func (s *Service) List(ctx context.Context, tenant string, f ListFilter) ([]Summary, int, error) {
	var out []Summary
	var total int
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var ps []Plan
		sel := q.NewSelect().Model(&ps).Where("pl.tenant_id = ?", tenant).OrderExpr("pl.year DESC, pl.kind, pl.unit_id, pl.created_at")
		if f.Kind != "" {
			sel = sel.Where("pl.kind = ?", f.Kind)
		}
		if f.Year != 0 {
			sel = sel.Where("pl.year = ?", f.Year)
		}
		if f.Status != "" {
			sel = sel.Where("pl.status = ?", f.Status)
		}
		if f.UnitID != "" {
			sel = sel.Where("pl.unit_id = ?", f.UnitID)
		}
		if f.ParentPlanID != "" {
			sel = sel.Where("pl.parent_plan_id = ?", f.ParentPlanID)
		}
		if f.Top {
			sel = sel.Where("pl.parent_plan_id = ''")
		}
		if f.Limit > 0 {
			sel = sel.Limit(int64(f.Limit)).Offset(int64(f.Offset))
		}
		n, err := sel.ScanAndCount(ctx)
		if err != nil {
			return fmt.Errorf("list plans: %w", err)
		}
		total = int(n)
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		classes, err := loadClasses(ctx, q, tenant, ids...)
		if err != nil {
			return err
		}
		lines, err := budget.PlanLines(ctx, q, tenant, ids...)
		if err != nil {
			return err
		}
		out = make([]Summary, len(ps))
		idx := map[string]int{}
		for i, p := range ps {
			out[i] = Summary{Plan: p, Budget: budget.NewTotals()}
			idx[p.ID] = i
		}
		for _, c := range classes {
			out[idx[c.PlanID]].Classes++
			out[idx[c.PlanID]].Learners += c.Learners
		}
		for _, l := range lines {
			b := out[idx[l.PlanID]].Budget
			b.Add(l)
			out[idx[l.PlanID]].Budget = b
		}
		return nil
	})
	if err != nil {
		return nil, 0, core.Internal(err, "list plans")
	}
	return out, total, nil
}

// loadClasses reads the classes of tenant's plans in plan order.
func loadClasses(ctx context.Context, q bun.IDB, tenant string, planIDs ...string) ([]Class, error) {
	var cs []Class
	if len(planIDs) == 0 {
		return cs, nil
	}
	if err := q.NewSelect().Model(&cs).Where("c.tenant_id = ? AND c.plan_id IN (?)", tenant, bun.In(planIDs)).
		OrderExpr("c.plan_id, c.seq").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load classes: %w", err)
	}
	return cs, nil
}

// principal is the caller's user id, for created_by columns.
func principal(ctx context.Context) string {
	p, _ := core.PrincipalFrom(ctx)
	return p.UserID
}
