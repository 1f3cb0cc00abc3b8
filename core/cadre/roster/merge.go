package roster

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// MergeStep moves the roster of a tenant that ends into its successor
// (tenants.MergeStep): units, cadres with their positions and planning, open
// imports and pending transfers. Decided transfers stay with the old tenant
// as history. Ids do not change, so links to moved records stay valid and
// the encrypted fields (bound to the record id) still open.
type MergeStep struct{}

// Name implements tenants.MergeStep.
func (MergeStep) Name() string { return "roster" }

// movedTables are moved wholesale (tenant_id rewritten).
var movedTables = []string{"units", "cadres", "cadre_positions", "cadre_planning",
	"cadre_imports", "cadre_import_files", "cadre_import_rows", "cadre_import_problems"}

// Plan implements tenants.MergeStep: how many rows Move would move.
func (MergeStep) Plan(ctx context.Context, tx bun.Tx, from, into string, _ time.Time) (int, error) {
	total := 0
	for _, t := range movedTables {
		n, err := tx.NewSelect().Table(t).Where("tenant_id = ?", from).Count(ctx)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", t, err)
		}
		total += int(n)
	}
	n, err := tx.NewSelect().Table("cadre_transfers").
		Where("status = 'pending' AND (tenant_id = ? OR to_tenant = ?)", from, from).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count pending transfers: %w", err)
	}
	return total + int(n), nil
}

// Move implements tenants.MergeStep. Unit codes already used in the
// successor get the old tenant's slug as a prefix (p72.TN01). Two active
// records with the same CCCD (one person on both rosters) would break the
// successor's uniqueness: the merge is refused, naming how many, so the
// duplicates are resolved first.
func (MergeStep) Move(ctx context.Context, tx bun.Tx, from, into string, _ time.Time) (int, error) {
	dups, err := tx.NewSelect().TableExpr("cadres AS a").
		Join("JOIN cadres AS b ON b.tenant_id = ? AND b.cccd_hash = a.cccd_hash AND b.status = 'active'", into).
		Where("a.tenant_id = ? AND a.status = 'active' AND a.cccd_hash IS NOT NULL", from).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("check duplicate cadres: %w", err)
	}
	if dups > 0 {
		return 0, core.Errorf(core.EINVALID, "%d cán bộ của %s trùng số CCCD với cán bộ đang công tác của %s; hãy xử lý trùng lặp trước khi hợp nhất.", dups, from, into)
	}
	if _, err := tx.NewUpdate().Table("units").Set("code = ? || '.' || code", from).
		Where("tenant_id = ? AND code IN (SELECT code FROM units WHERE tenant_id = ?)", from, into).Exec(ctx); err != nil {
		return 0, fmt.Errorf("rename clashing unit codes: %w", err)
	}
	total := 0
	for _, t := range movedTables {
		res, err := tx.NewUpdate().Table(t).Set("tenant_id = ?", into).Where("tenant_id = ?", from).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("move %s: %w", t, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	// A pending transfer between the two would become a transfer to itself.
	if _, err := tx.NewUpdate().Table("cadre_transfers").Set("status = 'cancelled'").
		Where("status = 'pending' AND ((tenant_id = ? AND to_tenant = ?) OR (tenant_id = ? AND to_tenant = ?))", from, into, into, from).
		Exec(ctx); err != nil {
		return 0, fmt.Errorf("cancel transfers between merged tenants: %w", err)
	}
	for _, col := range []string{"tenant_id", "to_tenant"} {
		res, err := tx.NewUpdate().Table("cadre_transfers").Set(col+" = ?", into).
			Where("status = 'pending' AND "+col+" = ?", from).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("move pending transfers: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}
