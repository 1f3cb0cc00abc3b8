package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/xlsx"
	"doanbd/core/sqldb"
)

// required are the columns a sheet must have.
var required = []string{cadre.FFullName, cadre.FBirthDate, cadre.FGender, cadre.FUnit, cadre.FEmployment}

// Parse is the parse job: it reads the stored workbook row by row, checks
// every row and stages it, in batches of Options.Batch rows per transaction
// (each also saving the progress). It can run again after a crash: it starts
// over. A file that cannot be read ends the import as failed with a message;
// other errors are returned so the job is retried.
func (im *Importer) Parse(ctx context.Context, tenant, id string) error {
	var content []byte
	run := false
	err := im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		row, err := im.lock(ctx, tx, tenant, id)
		if err != nil || (row.Status != StatusUploaded && row.Status != StatusParsing) {
			return err
		}
		run = true
		if err := im.clearStaged(ctx, tx, tenant, id); err != nil {
			return err
		}
		for _, m := range []any{(*problemRow)(nil)} {
			if _, err := tx.NewDelete().Model(m).Where("tenant_id = ? AND import_id = ?", tenant, id).Exec(ctx); err != nil {
				return fmt.Errorf("clear problems: %w", err)
			}
		}
		var f fileRow
		if err := tx.NewSelect().Model(&f).Where("tenant_id = ? AND import_id = ?", tenant, id).Scan(ctx); err != nil {
			return fmt.Errorf("read import file: %w", err)
		}
		content = f.Content
		_, err = tx.NewUpdate().Model((*importRow)(nil)).Set("status = ?", StatusParsing).Set("updated_at = ?", im.now()).
			Set("progress_done = 0, progress_total = 0, message = ''").
			Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
		return err
	})
	if err != nil || !run {
		return err
	}
	defer im.progress.done(tenant, id)
	rd, err := xlsx.Open(bytes.NewReader(content))
	if err != nil {
		msg := "Không đọc được tệp: tệp không phải là bảng tính Excel .xlsx hợp lệ."
		if errors.Is(err, xlsx.ErrNoHeader) {
			msg = "Không tìm thấy dòng tiêu đề (có cột \"Họ và tên\") trong 20 dòng đầu của tệp; hãy dùng tệp mẫu."
		}
		return im.fail(ctx, tenant, id, StatusFailed, msg)
	}
	defer rd.Close()
	if missing := missingColumns(rd.Fields()); missing != "" {
		return im.fail(ctx, tenant, id, StatusFailed, "Tệp thiếu cột bắt buộc: "+missing+".")
	}
	units, err := im.roster.UnitIndex(ctx, tenant)
	if err != nil {
		return err
	}
	p := &rowParser{tenant: tenant, importID: id, roster: im.roster, units: units, rd: rd,
		today: cadre.Today(), seen: map[string]int{}}
	st := &parseState{total: rd.Estimate()}
	failMsg, err := im.pipeline(ctx, tenant, id, rd, p, st)
	if err != nil {
		return err
	}
	failed := failMsg != ""
	if failed {
		return im.fail(ctx, tenant, id, StatusFailed, failMsg)
	}
	return im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*importRow)(nil)).
			Set("status = ?", StatusParsed).Set("total_rows = ?", st.rows).Set("valid_rows = ?", st.valid).
			Set("error_rows = ?", st.rows-st.valid).Set("warning_rows = ?", st.warned).Set("problem_count = ?", st.seq).
			Set("progress_done = ?", st.rows).Set("progress_total = ?", st.rows).
			Set("column_map = ?", strings.Join(rd.Fields(), ",")).Set("updated_at = ?", im.now()).
			Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, StatusParsing)
		if st.rows == 0 {
			q = q.Set("message = ?", "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
		}
		_, err := q.Exec(ctx)
		return err
	})
}

// parseState is owned by the goroutine that writes batches.
type parseState struct {
	rows, valid, warned, seq, total int
}

func missingColumns(fields []string) string {
	have := map[string]bool{}
	for _, f := range fields {
		have[f] = true
	}
	var miss []string
	for _, f := range required {
		if !have[f] {
			c, _ := xlsx.ColumnOf(f)
			miss = append(miss, c.Label)
		}
	}
	return strings.Join(miss, ", ")
}

// flush checks a batch against the roster (CCCDs already on it), then stages
// its rows and problems and saves the progress, in one transaction.
func (im *Importer) flush(ctx context.Context, tenant, id string, batch []parsedRow, st *parseState) error {
	st.rows += len(batch)
	return im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var hashes []string
		for i := range batch {
			if h := batch[i].staged.CCCDHash; h != "" {
				hashes = append(hashes, h)
			}
		}
		taken := map[string]bool{}
		if len(hashes) > 0 {
			var found []string
			if err := tx.NewSelect().Table("cadres").Column("cccd_hash").
				Where("tenant_id = ? AND status = ? AND cccd_hash IN (?)", tenant, cadre.Active, bun.In(hashes)).
				Scan(ctx, &found); err != nil {
				return fmt.Errorf("check cccd against roster: %w", err)
			}
			for _, h := range found {
				taken[h] = true
			}
		}
		rows := make([]stagedRow, 0, len(batch))
		var problems []problemRow
		for i := range batch {
			b := &batch[i]
			if taken[b.staged.CCCDHash] && !b.hasError(cadre.FCCCD) {
				b.add(cadre.FCCCD, "đã có cán bộ đang công tác với Số CCCD này trong danh sách", false)
			}
			if b.staged.Valid {
				st.valid++
			}
			warned := false
			for _, p := range b.problems {
				st.seq++
				p.TenantID, p.ImportID, p.Seq = tenant, id, st.seq
				problems = append(problems, p)
				warned = warned || p.Severity == SeverityWarning
			}
			if warned {
				st.warned++
			}
			rows = append(rows, b.staged)
		}
		if err := insertStaged(ctx, tx, im.db.Dialect, rows); err != nil {
			return err
		}
		for lo := 0; lo < len(problems); lo += 1000 {
			chunk := problems[lo:min(lo+1000, len(problems))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return fmt.Errorf("store problems: %w", err)
			}
		}
		total := max(st.total, st.rows)
		im.progress.set(tenant, id, Progress{Done: st.rows, Total: total})
		_, err := tx.NewUpdate().Model((*importRow)(nil)).Set("progress_done = ?", st.rows).Set("progress_total = ?", total).
			Set("updated_at = ?", im.now()).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
		return err
	})
}

// lock reads an import for update.
func (im *Importer) lock(ctx context.Context, tx bun.IDB, tenant, id string) (*importRow, error) {
	row := new(importRow)
	q := tx.NewSelect().Model(row).Where("tenant_id = ? AND id = ?", tenant, id)
	if im.db.Dialect == sqldb.Postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFoundOr(err, "read import")
	}
	return row, nil
}

func (im *Importer) clearStaged(ctx context.Context, tx bun.IDB, tenant, id string) error {
	if _, err := tx.NewDelete().Model((*stagedRow)(nil)).Where("tenant_id = ? AND import_id = ?", tenant, id).Exec(ctx); err != nil {
		return fmt.Errorf("clear staged rows: %w", err)
	}
	return nil
}

// fail ends a step with a message for the user. It returns nil: the job is
// done (retrying would fail the same way).
func (im *Importer) fail(ctx context.Context, tenant, id, status, msg string) error {
	from := StatusParsing
	if status == StatusCommitFailed {
		from = StatusCommitting
	}
	err := im.db.TenantTx(context.WithoutCancel(ctx), tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*importRow)(nil)).Set("status = ?", status).Set("message = ?", msg).
			Set("updated_at = ?", im.now()).Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, from).Exec(ctx)
		return err
	})
	if err != nil {
		return core.Internal(err, "record import failure")
	}
	return nil
}

// pipeline reads, checks and stages the rows in three overlapping stages:
// decoding the sheet's XML, checking and sealing rows (in file order, which
// the duplicate check needs), and writing batches. It returns a message for
// the user when the file itself is at fault (broken, too long); the rows
// read before that are staged, and the caller fails the import.
func (im *Importer) pipeline(ctx context.Context, tenant, id string, rd *xlsx.Reader, p *rowParser, st *parseState) (string, error) {
	g, gctx := errgroup.WithContext(ctx)
	raw := make(chan []xlsx.Row, 4)
	checked := make(chan []parsedRow, 1)
	failMsg := ""
	g.Go(func() error {
		defer close(raw)
		n := 0
		chunk := make([]xlsx.Row, 0, 256)
		for {
			r, ok, err := rd.Next()
			if err != nil {
				failMsg = "Không đọc được tệp sau dòng " + fmt.Sprint(rd.HeaderRow()+n) + ": tệp bị hỏng."
			} else if ok && n >= im.opt.MaxRows {
				failMsg = fmt.Sprintf("Tệp có quá %d dòng dữ liệu; hãy chia thành nhiều tệp.", im.opt.MaxRows)
			}
			if ok && failMsg == "" {
				n++
				chunk = append(chunk, r)
			}
			if len(chunk) == cap(chunk) || (len(chunk) > 0 && (!ok || failMsg != "")) {
				select {
				case raw <- chunk:
				case <-gctx.Done():
					return gctx.Err()
				}
				chunk = make([]xlsx.Row, 0, 256)
			}
			if !ok || failMsg != "" {
				return nil
			}
		}
	})
	g.Go(func() error {
		defer close(checked)
		batch := make([]parsedRow, 0, im.opt.Batch)
		send := func() error {
			select {
			case checked <- batch:
			case <-gctx.Done():
				return gctx.Err()
			}
			batch = make([]parsedRow, 0, im.opt.Batch)
			return nil
		}
		for rows := range raw {
			for _, r := range rows {
				batch = append(batch, p.parse(r))
				if len(batch) == im.opt.Batch {
					if err := send(); err != nil {
						return err
					}
				}
			}
		}
		if len(batch) > 0 {
			return send()
		}
		return nil
	})
	g.Go(func() error {
		for b := range checked {
			if err := im.flush(gctx, tenant, id, b, st); err != nil {
				return err
			}
		}
		return nil
	})
	err := g.Wait()
	return failMsg, err
}
