package plan

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// MergeStep moves a merged tenant's live plans to its successor (it
// satisfies tenants.MergeStep; cmd/doanbd lists it). Plans still being
// drafted or revised (Editable) move with their classes, lines, targets and
// kept versions, and the sub-plans rolling into them; they are marked
// merged_from so they never collide with the successor's own plan of the
// same year. Submitted, approved and rejected plans stay with the old
// tenant as history.
type MergeStep struct{}

// Name implements tenants.MergeStep.
func (MergeStep) Name() string { return "plans" }

// Plan implements tenants.MergeStep: how many plans Move would move.
func (MergeStep) Plan(ctx context.Context, tx bun.Tx, from, _ string, _ time.Time) (int, error) {
	ids, err := livePlans(ctx, tx, from)
	return len(ids), err
}

// Move implements tenants.MergeStep.
func (MergeStep) Move(ctx context.Context, tx bun.Tx, from, into string, _ time.Time) (int, error) {
	ids, err := livePlans(ctx, tx, from)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	if _, err := tx.NewUpdate().Model((*Plan)(nil)).Set("tenant_id = ?", into).Set("merged_from = ?", from).
		Where("tenant_id = ? AND id IN (?)", from, bun.In(ids)).Exec(ctx); err != nil {
		return 0, fmt.Errorf("move plans: %w", err)
	}
	for _, table := range []string{"plan_classes", "budget_lines", "plan_targets", "plan_versions"} {
		if _, err := tx.NewUpdate().Table(table).Set("tenant_id = ?", into).
			Where("tenant_id = ? AND plan_id IN (?)", from, bun.In(ids)).Exec(ctx); err != nil {
			return 0, fmt.Errorf("move %s: %w", table, err)
		}
	}
	// An annual plan whose period plan stayed behind links to the
	// successor's own period plan for its year, if it has one.
	var moved []Plan
	if err := tx.NewSelect().Model(&moved).Where("pl.tenant_id = ? AND pl.id IN (?) AND pl.kind = ?", into, bun.In(ids), KindAnnual).
		Scan(ctx); err != nil {
		return 0, fmt.Errorf("load moved plans: %w", err)
	}
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	for _, p := range moved {
		if p.PeriodPlanID == "" || in[p.PeriodPlanID] {
			continue
		}
		var pp Plan
		err := tx.NewSelect().Model(&pp).Column("id").
			Where("pl.tenant_id = ? AND pl.kind = ? AND pl.unit_id = '' AND pl.merged_from = ''", into, KindPeriod).
			Where("pl.period_from <= ? AND pl.period_to >= ?", p.Year, p.Year).Limit(1).Scan(ctx)
		if err != nil && !isNoRows(err) {
			return 0, fmt.Errorf("find successor period plan: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*Plan)(nil)).Set("period_plan_id = ?", pp.ID).
			Where("tenant_id = ? AND id = ?", into, p.ID).Exec(ctx); err != nil {
			return 0, fmt.Errorf("relink period plan: %w", err)
		}
	}
	return len(ids), nil
}

// livePlans lists from's plans that keep living: editable top-level plans
// and every sub-plan rolling into one of them.
func livePlans(ctx context.Context, tx bun.Tx, from string) ([]string, error) {
	var ids []string
	if err := tx.NewSelect().Model((*Plan)(nil)).Column("id").
		Where("tenant_id = ? AND parent_plan_id = '' AND status IN (?)", from, bun.In([]string{StatusDraft, StatusReturned})).
		Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("find live plans: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var subs []string
	if err := tx.NewSelect().Model((*Plan)(nil)).Column("id").
		Where("tenant_id = ? AND parent_plan_id IN (?)", from, bun.In(ids)).Scan(ctx, &subs); err != nil {
		return nil, fmt.Errorf("find live sub-plans: %w", err)
	}
	return append(ids, subs...), nil
}
