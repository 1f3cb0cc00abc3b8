package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/sqldb"
)

// Commit asks for the staged rows to be written to the roster: all of them
// (refused while any row has an error) or only the valid ones. The copy
// runs as a background job; poll Get for its progress.
func (im *Importer) Commit(ctx context.Context, tenant, id, mode string) (Import, error) {
	if mode != ModeAll && mode != ModeValidOnly {
		return Import{}, core.Invalid("Cách ghi không hợp lệ.", core.FieldError{Field: "mode", Message: "phải là all hoặc valid_only"})
	}
	var row *importRow
	err := im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if row, err = im.lock(ctx, tx, tenant, id); err != nil {
			return err
		}
		switch row.Status {
		case StatusParsed, StatusCommitFailed:
		case StatusCommitting, StatusCommitted:
			return core.Errorf(core.ECONFLICT, "Dữ liệu của lần nhập này đã được ghi hoặc đang được ghi.")
		default:
			return core.Errorf(core.ECONFLICT, "Tệp chưa được kiểm tra xong hoặc không đọc được; chưa thể ghi.")
		}
		switch {
		case mode == ModeAll && row.ErrorRows > 0:
			return core.Invalid(fmt.Sprintf("Còn %d dòng có lỗi: hãy sửa tệp và tải lên lại, hoặc chọn chỉ ghi các dòng hợp lệ.", row.ErrorRows),
				core.FieldError{Field: "mode", Message: "không thể ghi tất cả khi còn dòng lỗi"})
		case row.ValidRows == 0:
			return core.Invalid("Không có dòng hợp lệ nào để ghi.", core.FieldError{Field: "mode", Message: "không có dòng hợp lệ"})
		}
		row.Status, row.Mode, row.Message, row.UpdatedAt = StatusCommitting, mode, "", im.now()
		row.ProgressDone, row.ProgressTotal = 0, row.ValidRows
		if _, err := tx.NewUpdate().Model(row).Column("status", "mode", "message", "updated_at", "progress_done", "progress_total").
			WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "start commit")
		}
		if err := im.jobs.Add(ctx, tx, KindCommit, tenant, JobPayload{ImportID: id}); err != nil {
			return core.Internal(err, "schedule commit")
		}
		return nil
	})
	if err != nil {
		return Import{}, err
	}
	return im.view(row), nil
}

// errAlreadyDone ends a commit transaction that found the work done.
var errAlreadyDone = errors.New("import already committed")

// RunCommit is the commit job: it copies the staged rows into the roster in
// ONE transaction (a failure anywhere leaves the roster exactly as before),
// batch by batch with INSERT … SELECT inside the database, so memory stays
// flat whatever the size. It first re-checks what may have changed since
// the preview (CCCDs now on the roster, units removed). A failure records
// commit_failed with the reason and the user may commit again; a repeated
// delivery of the job finds the import no longer committing and does nothing.
func (im *Importer) RunCommit(ctx context.Context, tenant, id string) error {
	var imp importRow
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		return db.NewSelect().Model(&imp).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return notFoundOr(err, "read import")
	}
	if imp.Status != StatusCommitting {
		return nil
	}
	defer im.progress.done(tenant, id)
	inserted := 0
	err = im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		validOnly := imp.Mode == ModeValidOnly
		if err := im.recheck(ctx, tx, tenant, id, validOnly); err != nil {
			return err
		}
		var hi int
		if err := tx.NewSelect().Model((*stagedRow)(nil)).ColumnExpr("coalesce(max(row_no), 0)").
			Where("tenant_id = ? AND import_id = ?", tenant, id).Scan(ctx, &hi); err != nil {
			return fmt.Errorf("read staged rows: %w", err)
		}
		now := im.now()
		for lo := 0; lo <= hi; lo += im.opt.Batch {
			n, err := copyBatch(ctx, tx, tenant, id, lo, lo+im.opt.Batch, validOnly, now)
			if err != nil {
				return err
			}
			inserted += n
			im.reportCommit(ctx, tenant, id, inserted, imp.ProgressTotal)
			if im.opt.AfterCommitBatch != nil {
				if err := im.opt.AfterCommitBatch(inserted); err != nil {
					return err
				}
			}
		}
		res, err := tx.NewUpdate().Model((*importRow)(nil)).Set("status = ?", StatusCommitted).Set("inserted = ?", inserted).
			Set("progress_done = ?", inserted).Set("committed_at = ?", now).Set("updated_at = ?", now).
			Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, StatusCommitting).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark import committed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAlreadyDone
		}
		if err := im.roster.Audit(ctx, tx, roster.AuditEvent{Tenant: tenant, Action: "cadre.import", Object: "import", ObjectID: id,
			Detail: map[string]any{"file": imp.FileName, "mode": imp.Mode, "inserted": inserted}}); err != nil {
			return err
		}
		return im.jobs.Add(ctx, tx, KindCleanup, tenant, JobPayload{ImportID: id})
	})
	switch {
	case err == nil, errors.Is(err, errAlreadyDone):
		return nil
	case ctx.Err() != nil:
		return err // shutting down: the job runs again later
	}
	msg := "Không ghi được dữ liệu; danh sách cán bộ không thay đổi. Hãy thử ghi lại."
	var ae *core.Error
	if errors.As(err, &ae) && ae.Code != core.EINTERNAL {
		msg = ae.Message
	}
	if ferr := im.fail(ctx, tenant, id, StatusCommitFailed, msg); ferr != nil {
		return errors.Join(err, ferr)
	}
	// Recorded for the user, who may commit again; a retry of this job
	// would find the import no longer committing.
	im.opt.Log.Warn("import commit failed; roster unchanged", "tenant", tenant, "import", id, "err", err)
	return nil
}

// recheck refuses the commit when the roster changed under the preview.
func (im *Importer) recheck(ctx context.Context, tx bun.IDB, tenant, id string, validOnly bool) error {
	staged := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("r.tenant_id = ? AND r.import_id = ?", tenant, id)
		if validOnly {
			q = q.Where("r.valid")
		}
		return q
	}
	dups, err := staged(tx.NewSelect().Model((*stagedRow)(nil)).
		Join("JOIN cadres AS c ON c.tenant_id = r.tenant_id AND c.cccd_hash = r.cccd_hash AND c.status = ?", cadre.Active)).Count(ctx)
	if err != nil {
		return fmt.Errorf("recheck cccd: %w", err)
	}
	if dups > 0 {
		return core.Errorf(core.ECONFLICT, "%d dòng có Số CCCD đã được thêm vào danh sách sau khi kiểm tra tệp; hãy tải tệp lên lại để kiểm tra.", dups)
	}
	// Units: the few distinct ids, looked up by key (a join would be planned
	// blind on a staging table the application role cannot ANALYZE).
	var unitIDs []string
	if err := staged(tx.NewSelect().Model((*stagedRow)(nil)).ColumnExpr("DISTINCT r.unit_id")).
		Where("r.unit_id <> ''").Scan(ctx, &unitIDs); err != nil {
		return fmt.Errorf("recheck units: %w", err)
	}
	if len(unitIDs) > 0 {
		n, err := tx.NewSelect().Table("units").Where("tenant_id = ? AND id IN (?)", tenant, bun.In(unitIDs)).Count(ctx)
		if err != nil {
			return fmt.Errorf("recheck units: %w", err)
		}
		if gone := len(unitIDs) - int(n); gone > 0 {
			return core.Errorf(core.ECONFLICT, "%d đơn vị trong tệp đã bị xóa sau khi kiểm tra tệp; hãy tải tệp lên lại để kiểm tra.", gone)
		}
	}
	return nil
}

// copyBatch copies staged rows lo <= row_no < hi into the roster.
func copyBatch(ctx context.Context, tx bun.IDB, tenant, id string, lo, hi int, validOnly bool, now time.Time) (int, error) {
	where := "tenant_id = ? AND import_id = ? AND row_no >= ? AND row_no < ?"
	if validOnly {
		where += " AND valid"
	}
	args := []any{tenant, id, lo, hi}
	res, err := tx.ExecContext(ctx, `INSERT INTO cadres (tenant_id, id, full_name, name_fold, sort_key, birth_date, gender,
		phone, email, unit_id, title, employment, status, cccd_enc, cccd_hash, ethnicity_enc, religion_enc,
		transferred_to, prev_tenant, prev_id, created_at, updated_at)
		SELECT tenant_id, cadre_id, full_name, name_fold, sort_key, birth_date, gender, phone, email, unit_id, title,
		employment, 'active', cccd_enc, cccd_hash, ethnicity_enc, religion_enc, '', '', '', ?, ?
		FROM cadre_import_rows WHERE `+where, append([]any{now, now}, args...)...)
	if err != nil {
		if sqldb.IsUniqueViolation(err) {
			return 0, core.Errorf(core.ECONFLICT, "Có Số CCCD trùng với cán bộ đã có trong danh sách; hãy tải tệp lên lại để kiểm tra.")
		}
		return 0, fmt.Errorf("copy cadres: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("copy cadres: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cadre_positions (tenant_id, id, cadre_id, kind, unit_id, title,
		started_on, decision, note, created_at)
		SELECT tenant_id, position_id, cadre_id, 'appointed', unit_id, title, position_since, '', 'Nhập từ tệp Excel', ?
		FROM cadre_import_rows WHERE `+where, append([]any{now}, args...)...); err != nil {
		return 0, fmt.Errorf("copy positions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cadre_planning (tenant_id, id, cadre_id, title, since_on, note, created_at)
		SELECT tenant_id, planning_id, cadre_id, planning_title, planning_since, '', ?
		FROM cadre_import_rows WHERE planning_title <> '' AND `+where, append([]any{now}, args...)...); err != nil {
		return 0, fmt.Errorf("copy planning: %w", err)
	}
	return int(n), nil
}

// reportCommit publishes commit progress: in memory for this process and,
// on PostgreSQL, through another connection for API replicas elsewhere (the
// commit transaction's own writes are invisible until it ends, and the
// import row is not locked by it until its last statement).
func (im *Importer) reportCommit(ctx context.Context, tenant, id string, done, total int) {
	im.progress.set(tenant, id, Progress{Done: done, Total: total})
	if im.db.Dialect != sqldb.Postgres {
		return
	}
	err := im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*importRow)(nil)).Set("progress_done = ?", done).
			Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, StatusCommitting).Exec(ctx)
		return err
	})
	if err != nil {
		// Progress is informative only: the commit goes on.
		im.opt.Log.Warn("import progress not saved", "tenant", tenant, "import", id, "err", err)
	}
}

// Cleanup is the job that drops a committed import's staged rows and file
// (the problems stay readable).
func (im *Importer) Cleanup(ctx context.Context, tx bun.IDB, tenant, id string) error {
	if err := im.clearStaged(ctx, tx, tenant, id); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*fileRow)(nil)).Where("tenant_id = ? AND import_id = ?", tenant, id).Exec(ctx); err != nil {
		return fmt.Errorf("delete import file: %w", err)
	}
	return nil
}
