package plan

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/budget"
	"doanbd/core/program"
)

// SetTargets replaces the yearly targets of an editable period plan:
// classes and learners per programme group (dimension "group", key a group
// code) and money per funding source (dimension "source", key central,
// local or other).
func (s *Service) SetTargets(ctx context.Context, tenant, id string, targets []Target) ([]Target, error) {
	groups, err := s.programs.Groups(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, g := range groups {
		known[g.Code] = true
	}
	var out []Target
	err = s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := loadEditable(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if p.Kind != KindPeriod {
			return core.Errorf(core.EINVALID, "Chỉ kế hoạch giai đoạn mới có chỉ tiêu theo năm.")
		}
		var fs []core.FieldError
		seen := map[string]bool{}
		for i, t := range targets {
			f := fmt.Sprintf("targets[%d]", i)
			if t.Year < p.PeriodFrom || t.Year > p.PeriodTo {
				fs = append(fs, core.FieldError{Field: f + ".year", Message: fmt.Sprintf("Năm phải trong giai đoạn %d–%d.", p.PeriodFrom, p.PeriodTo)})
			}
			switch t.Dimension {
			case DimGroup:
				if !known[t.Key] {
					fs = append(fs, core.FieldError{Field: f + ".key", Message: "Không có nhóm chương trình " + t.Key + "."})
				}
				if t.Amount != 0 {
					fs = append(fs, core.FieldError{Field: f + ".amount", Message: "Chỉ tiêu kinh phí ghi theo nguồn kinh phí, không theo nhóm chương trình."})
				}
			case DimSource:
				if _, ok := budget.SourceNames[t.Key]; !ok {
					fs = append(fs, core.FieldError{Field: f + ".key", Message: "Nguồn kinh phí phải là central, local hoặc other."})
				}
				if t.Classes != 0 || t.Learners != 0 {
					fs = append(fs, core.FieldError{Field: f + ".classes", Message: "Chỉ tiêu số lớp, số học viên ghi theo nhóm chương trình."})
				}
			default:
				fs = append(fs, core.FieldError{Field: f + ".dimension", Message: "Chỉ tiêu phải theo group (nhóm chương trình) hoặc source (nguồn kinh phí)."})
			}
			if t.Classes < 0 || t.Learners < 0 || t.Amount < 0 {
				fs = append(fs, core.FieldError{Field: f, Message: "Chỉ tiêu không được âm."})
			}
			key := fmt.Sprintf("%d|%s|%s", t.Year, t.Dimension, t.Key)
			if seen[key] {
				fs = append(fs, core.FieldError{Field: f, Message: "Chỉ tiêu bị trùng."})
			}
			seen[key] = true
			t.TenantID, t.PlanID = tenant, id
			out = append(out, t)
		}
		if len(fs) > 0 {
			return core.Invalid("Chỉ tiêu chưa hợp lệ.", fs...)
		}
		if _, err := tx.NewDelete().Model((*Target)(nil)).Where("tenant_id = ? AND plan_id = ?", tenant, id).Exec(ctx); err != nil {
			return core.Internal(err, "delete targets")
		}
		if len(out) > 0 {
			if _, err := tx.NewInsert().Model(&out).Exec(ctx); err != nil {
				return core.Internal(err, "insert targets")
			}
		}
		return touch(ctx, tx, p, s.now())
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, compareTargets)
	return out, nil
}

func compareTargets(a, b Target) int {
	if a.Year != b.Year {
		return a.Year - b.Year
	}
	if a.Dimension != b.Dimension {
		if a.Dimension < b.Dimension {
			return -1
		}
		return 1
	}
	switch {
	case a.Key < b.Key:
		return -1
	case a.Key > b.Key:
		return 1
	}
	return 0
}

func loadTargets(ctx context.Context, q bun.IDB, tenant, id string) ([]Target, error) {
	ts := []Target{}
	if err := q.NewSelect().Model(&ts).Where("tg.tenant_id = ? AND tg.plan_id = ?", tenant, id).
		OrderExpr("tg.year, tg.dimension, tg.key").Scan(ctx); err != nil {
		return nil, core.Internal(err, "load targets")
	}
	return ts, nil
}

// YearProgress compares one year of a period plan with the annual plan of
// that year (its sub-plans included): targets against what is planned.
type YearProgress struct {
	Year            int              `json:"year"`
	AnnualPlanID    string           `json:"annual_plan_id,omitempty"`
	AnnualStatus    string           `json:"annual_status,omitempty"`
	TargetClasses   int              `json:"target_classes"`
	PlannedClasses  int              `json:"planned_classes"`
	TargetLearners  int              `json:"target_learners"`
	PlannedLearners int              `json:"planned_learners"`
	TargetAmount    int64            `json:"target_amount"`
	PlannedAmount   int64            `json:"planned_amount"`
	Groups          []GroupProgress  `json:"groups"`
	Sources         []SourceProgress `json:"sources"`
}

// GroupProgress is one programme group of a YearProgress.
type GroupProgress struct {
	Group           string `json:"group"`
	TargetClasses   int    `json:"target_classes"`
	PlannedClasses  int    `json:"planned_classes"`
	TargetLearners  int    `json:"target_learners"`
	PlannedLearners int    `json:"planned_learners"`
	PlannedAmount   int64  `json:"planned_amount"`
}

// SourceProgress is one funding source of a YearProgress.
type SourceProgress struct {
	Source        string `json:"source"`
	TargetAmount  int64  `json:"target_amount"`
	PlannedAmount int64  `json:"planned_amount"`
}

// progress builds the planned-versus-annual table of period plan p, year by
// year. The annual plans counted are the tenant's own (not units') plans
// linked to p, or not linked to any period plan but inside its years.
func (s *Service) progress(ctx context.Context, q bun.IDB, p *Plan, targets []Target) ([]YearProgress, error) {
	var annual []Plan
	if err := q.NewSelect().Model(&annual).
		Where("pl.tenant_id = ? AND pl.kind = ? AND pl.parent_plan_id = '' AND pl.unit_id = ''", p.TenantID, KindAnnual).
		Where("pl.year BETWEEN ? AND ?", p.PeriodFrom, p.PeriodTo).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("pl.period_plan_id = ?", p.ID).WhereOr("pl.period_plan_id = '' AND pl.merged_from = ''")
		}).OrderExpr("pl.year, pl.created_at").Scan(ctx); err != nil {
		return nil, core.Internal(err, "load annual plans")
	}
	byYear := map[int]Plan{}
	var ids []string
	for _, a := range annual {
		if _, dup := byYear[a.Year]; !dup {
			byYear[a.Year] = a
			ids = append(ids, a.ID)
		}
	}
	yearOf := map[string]int{}
	for _, a := range byYear {
		yearOf[a.ID] = a.Year
	}
	if len(ids) > 0 {
		var subs []Plan
		if err := q.NewSelect().Model(&subs).Column("id", "parent_plan_id").
			Where("pl.tenant_id = ? AND pl.parent_plan_id IN (?)", p.TenantID, bun.In(ids)).Scan(ctx); err != nil {
			return nil, core.Internal(err, "load sub-plans")
		}
		for _, sp := range subs {
			yearOf[sp.ID] = yearOf[sp.ParentPlanID]
			ids = append(ids, sp.ID)
		}
	}
	classes, err := loadClasses(ctx, q, p.TenantID, ids...)
	if err != nil {
		return nil, core.Internal(err, "load classes")
	}
	lines, err := budget.PlanLines(ctx, q, p.TenantID, ids...)
	if err != nil {
		return nil, core.Internal(err, "load lines")
	}
	var groups []program.Group
	if err := q.NewSelect().Model(&groups).Order("sort").Scan(ctx); err != nil {
		return nil, core.Internal(err, "load groups")
	}
	planned := map[int]*Totals{}
	for y := p.PeriodFrom; y <= p.PeriodTo; y++ {
		t := newTotals()
		planned[y] = &t
	}
	byClass := map[string][]budget.Line{}
	for _, l := range lines {
		byClass[l.ClassID] = append(byClass[l.ClassID], l)
	}
	for _, c := range classes {
		if t := planned[yearOf[c.PlanID]]; t != nil {
			t.addClass(c, byClass[c.ID])
		}
	}
	out := make([]YearProgress, 0, p.PeriodTo-p.PeriodFrom+1)
	for y := p.PeriodFrom; y <= p.PeriodTo; y++ {
		t := planned[y]
		yp := YearProgress{Year: y, PlannedClasses: t.Classes, PlannedLearners: t.Learners, PlannedAmount: t.Budget.Amount,
			Groups: []GroupProgress{}, Sources: []SourceProgress{}}
		if a, ok := byYear[y]; ok {
			yp.AnnualPlanID, yp.AnnualStatus = a.ID, a.Status
		}
		tg := map[string]Target{}
		for _, x := range targets {
			if x.Year == y {
				tg[x.Dimension+"|"+x.Key] = x
			}
		}
		for _, g := range groups {
			want, got := tg[DimGroup+"|"+g.Code], t.ByGroup[g.Code]
			if want == (Target{}) && got == (GroupTotal{}) {
				continue
			}
			yp.Groups = append(yp.Groups, GroupProgress{Group: g.Code, TargetClasses: want.Classes, PlannedClasses: got.Classes,
				TargetLearners: want.Learners, PlannedLearners: got.Learners, PlannedAmount: got.Amount})
			yp.TargetClasses += want.Classes
			yp.TargetLearners += want.Learners
		}
		for _, src := range budget.FundingSources {
			want := tg[DimSource+"|"+src].Amount
			yp.Sources = append(yp.Sources, SourceProgress{Source: src, TargetAmount: want, PlannedAmount: t.Budget.BySource[src]})
			yp.TargetAmount += want
		}
		out = append(out, yp)
	}
	return out, nil
}
