package roster

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// MergeStep moves the roster of a tenant that ends into its successor
// (tenants.MergeStep): units, cadres with their positions, planning and
// training history (enrolments keep the old tenant as where they were
// earned), and imports. Transfer records stay with the old tenant as
// history; pending ones involving it are cancelled (a counterpart row in a
// third tenant settles itself as cancelled when next acted on). Ids do not
// change, so links to moved records stay valid and the encrypted fields
// (bound to the record id) still open.
type MergeStep struct{}

// Name implements tenants.MergeStep.
func (MergeStep) Name() string { return "roster" }

// movedTables are moved wholesale (tenant_id rewritten).
var movedTables = []string{"units", "cadres", "cadre_positions", "cadre_planning", "cadre_enrolments",
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
	n, err := pendingTransfers(tx, from, into).Count(ctx)
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
	res, err := tx.NewUpdate().Table("cadre_transfers").Set("status = 'cancelled'").
		Where("(tenant_id, id) IN (?)", pendingTransfers(tx, from, into).Column("tenant_id", "id")).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("cancel pending transfers: %w", err)
	}
	n, _ := res.RowsAffected()
	total += int(n)
	return total, nil
}

// pendingTransfers selects the pending transfer rows the merge cancels: the
// old tenant's, and the successor's rows whose other side is the old tenant.
func pendingTransfers(tx bun.Tx, from, into string) *bun.SelectQuery {
	return tx.NewSelect().Table("cadre_transfers").Where("status = 'pending'").
		Where("(tenant_id = ? OR (tenant_id = ? AND (from_tenant = ? OR to_tenant = ?)))", from, into, from, from)
}
