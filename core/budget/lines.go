package budget

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Line is one budget line of a planned class. ComputedAmount is what the
// rates (or the plugin) give; OverrideAmount, when set, is the planner's
// figure with its reason; Amount is the one that counts.
type Line struct {
	bun.BaseModel `bun:"table:budget_lines,alias:bl"`

	ID             string     `bun:"id,pk" json:"id"`
	TenantID       string     `bun:"tenant_id,notnull" json:"-"`
	PlanID         string     `bun:"plan_id,notnull" json:"plan_id"`
	ClassID        string     `bun:"class_id,notnull" json:"class_id"`
	Seq            int        `bun:"seq,notnull" json:"seq"`
	Item           string     `bun:"item,notnull" json:"item"`
	Description    string     `bun:"description,notnull" json:"description"`
	Rank           string     `bun:"rank,notnull" json:"rank,omitempty"`
	Unit           string     `bun:"unit,notnull" json:"unit"`
	Quantity       int64      `bun:"quantity,notnull" json:"quantity"`
	UnitAmount     int64      `bun:"unit_amount,notnull" json:"unit_amount"`
	ComputedAmount int64      `bun:"computed_amount,notnull" json:"computed_amount"`
	OverrideAmount *int64     `bun:"override_amount" json:"override_amount"`
	OverrideReason string     `bun:"override_reason,notnull" json:"override_reason,omitempty"`
	OverriddenBy   string     `bun:"overridden_by,notnull" json:"overridden_by,omitempty"`
	OverriddenAt   *time.Time `bun:"overridden_at" json:"overridden_at,omitempty"`
	Amount         int64      `bun:"amount,notnull" json:"amount"`
	FundingSource  string     `bun:"funding_source,notnull" json:"funding_source"`
	Source         string     `bun:"source,notnull" json:"source"`
	CreatedAt      time.Time  `bun:"created_at,notnull" json:"-"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// Label is the line's name for people: its description, else the item name.
func (l Line) Label() string {
	if l.Description != "" {
		return l.Description
	}
	if n, ok := ItemNames[l.Item]; ok {
		return n
	}
	return l.Item
}

// key matches a recomputed line with the line it replaces, so an override
// survives a recomputation.
func (l Line) key() string { return l.Item + "|" + l.Rank + "|" + l.Description }

// ReplaceClassLines stores lines as the budget of class, inside the caller's
// transaction. A line that replaces an overridden line of the same item
// keeps the override (the planner's figure and reason stand until cleared).
func (s *Service) ReplaceClassLines(ctx context.Context, tx bun.Tx, tenant, planID, classID string, lines []Line) ([]Line, error) {
	var old []Line
	if err := tx.NewSelect().Model(&old).Where("bl.tenant_id = ? AND bl.class_id = ?", tenant, classID).
		Scan(ctx); err != nil {
		return nil, core.Internal(err, "load budget lines")
	}
	prev := map[string]Line{}
	for _, l := range old {
		prev[l.key()] = l
	}
	if _, err := tx.NewDelete().Model((*Line)(nil)).Where("tenant_id = ? AND class_id = ?", tenant, classID).
		Exec(ctx); err != nil {
		return nil, core.Internal(err, "delete budget lines")
	}
	now := s.now()
	out := make([]Line, len(lines))
	for i, l := range lines {
		l.ID, l.TenantID, l.PlanID, l.ClassID, l.Seq = sqldb.NewID(), tenant, planID, classID, i+1
		l.CreatedAt, l.UpdatedAt, l.Amount = now, now, l.ComputedAmount
		if p, ok := prev[l.key()]; ok && p.OverrideAmount != nil {
			l.OverrideAmount, l.OverrideReason, l.OverriddenBy, l.OverriddenAt = p.OverrideAmount, p.OverrideReason, p.OverriddenBy, p.OverriddenAt
			l.Amount = *p.OverrideAmount
		}
		out[i] = l
	}
	if len(out) > 0 {
		if _, err := tx.NewInsert().Model(&out).Exec(ctx); err != nil {
			return nil, core.Internal(err, "insert budget lines")
		}
	}
	return out, nil
}

// Override sets a line's amount to the planner's figure, with a required
// reason; the computed amount is kept beside it.
func (s *Service) Override(ctx context.Context, tx bun.Tx, tenant, planID, lineID string, amount int64, reason string) (*Line, error) {
	reason = strings.TrimSpace(reason)
	var fs []core.FieldError
	if amount < 0 {
		fs = append(fs, core.FieldError{Field: "amount", Message: "Số tiền không được âm."})
	}
	if reason == "" {
		fs = append(fs, core.FieldError{Field: "reason", Message: "Phải nêu lý do điều chỉnh số tiền."})
	}
	if len(fs) > 0 {
		return nil, core.Invalid("Chưa điều chỉnh được dòng dự toán.", fs...)
	}
	l, err := lineOf(ctx, tx, tenant, planID, lineID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l.OverrideAmount, l.OverrideReason, l.OverriddenBy, l.OverriddenAt = &amount, reason, principal(ctx), &now
	l.Amount, l.UpdatedAt = amount, now
	if _, err := tx.NewUpdate().Model(l).WherePK().
		Column("override_amount", "override_reason", "overridden_by", "overridden_at", "amount", "updated_at").
		Exec(ctx); err != nil {
		return nil, core.Internal(err, "override budget line")
	}
	return l, nil
}

// ClearOverride returns a line to its computed amount.
func (s *Service) ClearOverride(ctx context.Context, tx bun.Tx, tenant, planID, lineID string) (*Line, error) {
	l, err := lineOf(ctx, tx, tenant, planID, lineID)
	if err != nil {
		return nil, err
	}
	l.OverrideAmount, l.OverrideReason, l.OverriddenBy, l.OverriddenAt = nil, "", "", nil
	l.Amount, l.UpdatedAt = l.ComputedAmount, s.now()
	if _, err := tx.NewUpdate().Model(l).WherePK().
		Column("override_amount", "override_reason", "overridden_by", "overridden_at", "amount", "updated_at").
		Exec(ctx); err != nil {
		return nil, core.Internal(err, "clear budget line override")
	}
	return l, nil
}

func lineOf(ctx context.Context, q bun.IDB, tenant, planID, lineID string) (*Line, error) {
	var l Line
	err := q.NewSelect().Model(&l).Where("bl.tenant_id = ? AND bl.plan_id = ? AND bl.id = ?", tenant, planID, lineID).Scan(ctx)
	if isNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy dòng dự toán.")
	} else if err != nil {
		return nil, core.Internal(err, "load budget line")
	}
	return &l, nil
}

// PlanLines returns the lines of tenant's plans, by class and order.
func PlanLines(ctx context.Context, q bun.IDB, tenant string, planIDs ...string) ([]Line, error) {
	var ls []Line
	if len(planIDs) == 0 {
		return ls, nil
	}
	if err := q.NewSelect().Model(&ls).Where("bl.tenant_id = ? AND bl.plan_id IN (?)", tenant, bun.In(planIDs)).
		OrderExpr("bl.class_id, bl.seq").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load plan budget lines: %w", err)
	}
	return ls, nil
}

// Totals adds up lines.
type Totals struct {
	// Amount counts overrides; Computed is what the rates alone give.
	Amount   int64 `json:"amount"`
	Computed int64 `json:"computed"`
	// BySource has every funding source, zero when unused.
	BySource map[string]int64 `json:"by_source"`
}

// NewTotals returns zero totals with every funding source present.
func NewTotals() Totals {
	t := Totals{BySource: make(map[string]int64, len(FundingSources))}
	for _, s := range FundingSources {
		t.BySource[s] = 0
	}
	return t
}

// Add counts l.
func (t *Totals) Add(l Line) {
	t.Amount += l.Amount
	t.Computed += l.ComputedAmount
	t.BySource[l.FundingSource] += l.Amount
}

// Merge adds o into t.
func (t *Totals) Merge(o Totals) {
	t.Amount += o.Amount
	t.Computed += o.Computed
	for k, v := range o.BySource {
		t.BySource[k] += v
	}
}

// Sum totals lines.
func Sum(lines []Line) Totals {
	t := NewTotals()
	for _, l := range lines {
		t.Add(l)
	}
	return t
}
