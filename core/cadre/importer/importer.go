// Package importer runs Excel imports of the cadre roster: an upload is
// stored and parsed by a background job into staged rows and a list of
// problems by row and column (in Vietnamese); the user then commits all
// rows (refused while there are errors) or only the valid ones, in one
// transaction run by another background job, while the API polls progress.
package importer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre/roster"
	"doanbd/core/sqldb"
)

// Job kinds run by the outbox worker.
const (
	KindParse   = "cadre.import.parse"
	KindCommit  = "cadre.import.commit"
	KindCleanup = "cadre.import.cleanup"
)

// Jobs records a background job inside the caller's transaction (the
// transactional outbox implements it; wired in cmd/doanbd).
type Jobs interface {
	Add(ctx context.Context, tx bun.IDB, kind, tenant string, payload any) error
}

// JobPayload is the payload of every import job.
type JobPayload struct {
	ImportID string `json:"import_id"`
}

// Options tune the pipeline.
type Options struct {
	// MaxRows refuses bigger sheets (default 200,000).
	MaxRows int
	// Batch is how many rows go into one staging transaction while parsing
	// and one INSERT … SELECT while committing (default 5,000).
	Batch int
	// AfterCommitBatch, if set, runs inside the commit transaction after each
	// batch with the number of rows copied so far; an error aborts the commit
	// (tests use it to fail a commit half-way).
	AfterCommitBatch func(done int) error
	// Log receives what users do not need to see (default slog.Default()).
	Log *slog.Logger
}

// Importer runs imports for the roster.
type Importer struct {
	roster   *roster.Service
	db       *sqldb.DB
	jobs     Jobs
	opt      Options
	progress *tracker
	now      func() time.Time
}

// New returns an importer.
func New(r *roster.Service, jobs Jobs, opt Options) *Importer {
	if opt.MaxRows <= 0 {
		opt.MaxRows = 200_000
	}
	if opt.Batch <= 0 {
		opt.Batch = 5000
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Importer{roster: r, db: r.DB(), jobs: jobs, opt: opt, progress: newTracker(),
		now: func() time.Time { return time.Now().UTC() }}
}

// MaxFileSize is the largest upload accepted.
const MaxFileSize = 50 << 20

var errNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy lần nhập dữ liệu.")

// Upload stores a workbook and schedules its parsing.
func (im *Importer) Upload(ctx context.Context, tenant, fileName string, content []byte) (Import, error) {
	fileName = filepath.Base(strings.TrimSpace(fileName))
	switch {
	case len(content) == 0:
		return Import{}, core.Invalid("Tệp rỗng.", core.FieldError{Field: "file", Message: "tệp không có nội dung"})
	case len(content) > MaxFileSize:
		return Import{}, core.Invalid("Tệp quá lớn.", core.FieldError{Field: "file", Message: "tối đa 50 MB"})
	case !strings.EqualFold(filepath.Ext(fileName), ".xlsx") || !bytes.HasPrefix(content, []byte("PK")):
		return Import{}, core.Invalid("Chỉ nhận tệp Excel .xlsx.", core.FieldError{Field: "file", Message: "hãy lưu tệp dưới dạng .xlsx (Excel 2007 trở lên)"})
	}
	now := im.now()
	p, _ := core.PrincipalFrom(ctx)
	row := &importRow{TenantID: tenant, ID: sqldb.NewID(), FileName: fileName, FileSize: int64(len(content)),
		Status: StatusUploaded, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	err := im.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return core.Internal(err, "insert import")
		}
		if _, err := tx.NewInsert().Model(&fileRow{TenantID: tenant, ImportID: row.ID, Content: content}).Exec(ctx); err != nil {
			return core.Internal(err, "store import file")
		}
		if err := im.jobs.Add(ctx, tx, KindParse, tenant, JobPayload{ImportID: row.ID}); err != nil {
			return core.Internal(err, "schedule import parse")
		}
		return nil
	})
	if err != nil {
		return Import{}, err
	}
	return im.view(row), nil
}

// Get returns an import with its live progress.
func (im *Importer) Get(ctx context.Context, tenant, id string) (Import, error) {
	var row importRow
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		return db.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return Import{}, notFoundOr(err, "read import")
	}
	return im.view(&row), nil
}

// List returns a tenant's imports, newest first.
func (im *Importer) List(ctx context.Context, tenant string, limit, offset int) ([]Import, int, error) {
	var rows []importRow
	var total int
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		q := db.NewSelect().Model(&rows).Where("tenant_id = ?", tenant)
		n, err := q.Count(ctx)
		if err != nil {
			return core.Internal(err, "count imports")
		}
		total = int(n)
		return q.OrderExpr("created_at DESC, id").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	})
	if err != nil {
		return nil, 0, notFoundOr(err, "list imports")
	}
	out := make([]Import, len(rows))
	for i := range rows {
		out[i] = im.view(&rows[i])
	}
	return out, total, nil
}

func (im *Importer) view(r *importRow) Import {
	v := Import{ID: r.ID, FileName: r.FileName, FileSize: r.FileSize, Status: r.Status, Mode: r.Mode,
		TotalRows: r.TotalRows, ValidRows: r.ValidRows, ErrorRows: r.ErrorRows, WarningRows: r.WarningRows,
		ProblemCount: r.ProblemCount, Inserted: r.Inserted, Message: r.Message, Columns: []string{},
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CommittedAt: r.CommittedAt,
		Progress: Progress{Done: r.ProgressDone, Total: r.ProgressTotal}}
	if r.ColumnMap != "" {
		v.Columns = strings.Split(r.ColumnMap, ",")
	}
	if r.Status == StatusParsing || r.Status == StatusCommitting {
		if p, ok := im.progress.get(r.TenantID, r.ID); ok && p.Done >= v.Progress.Done {
			v.Progress = p
		}
	}
	if v.Progress.Total > 0 {
		v.Progress.Percent = min(100, v.Progress.Done*100/v.Progress.Total)
	}
	if r.Status == StatusParsed || r.Status == StatusCommitted {
		v.Progress.Percent = 100
	}
	return v
}

// Problems returns a page of an import's problems in row order; severity
// "error" or "warning" narrows them.
func (im *Importer) Problems(ctx context.Context, tenant, id, severity string, limit, offset int) ([]Problem, int, error) {
	var rows []problemRow
	var total int
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		if err := im.exists(ctx, db, tenant, id); err != nil {
			return err
		}
		q := db.NewSelect().Model(&rows).Where("tenant_id = ? AND import_id = ?", tenant, id)
		if severity != "" {
			q = q.Where("severity = ?", severity)
		}
		n, err := q.Count(ctx)
		if err != nil {
			return core.Internal(err, "count problems")
		}
		total = int(n)
		return q.OrderExpr("seq").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	})
	if err != nil {
		return nil, 0, notFoundOr(err, "list problems")
	}
	out := make([]Problem, len(rows))
	for i, r := range rows {
		out[i] = Problem{Row: r.RowNo, Column: r.Column, Field: r.Field, Severity: r.Severity, Message: r.Message,
			Text: ProblemText(r.RowNo, r.Column, r.Message)}
	}
	return out, total, nil
}

// ProblemText is the sentence shown to users.
func ProblemText(row int, column, msg string) string {
	if column == "" {
		return fmt.Sprintf("Dòng %d: %s", row, msg)
	}
	return fmt.Sprintf("Dòng %d, cột %s: %s", row, column, msg)
}

// Rows returns a page of the parsed rows (validOnly narrows to valid rows).
func (im *Importer) Rows(ctx context.Context, tenant, id string, validOnly bool, limit, offset int) ([]PreviewRow, int, error) {
	var rows []stagedRow
	var total int
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		if err := im.exists(ctx, db, tenant, id); err != nil {
			return err
		}
		q := db.NewSelect().Model(&rows).
			Column("row_no", "valid", "full_name", "birth_date", "gender", "phone", "unit_id", "title", "employment", "cccd_hash").
			Where("tenant_id = ? AND import_id = ?", tenant, id)
		if validOnly {
			q = q.Where("valid")
		}
		n, err := q.Count(ctx)
		if err != nil {
			return core.Internal(err, "count rows")
		}
		total = int(n)
		return q.OrderExpr("row_no").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx)
	})
	if err != nil {
		return nil, 0, notFoundOr(err, "list rows")
	}
	out := make([]PreviewRow, len(rows))
	for i, r := range rows {
		out[i] = PreviewRow{Row: r.RowNo, Valid: r.Valid, FullName: r.FullName, BirthDate: r.BirthDate, Gender: r.Gender,
			Phone: r.Phone, UnitID: r.UnitID, Title: r.Title, Employment: r.Employment, HasCCCD: r.CCCDHash != ""}
	}
	return out, total, nil
}

func (im *Importer) exists(ctx context.Context, db bun.IDB, tenant, id string) error {
	ok, err := db.NewSelect().Model((*importRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exists(ctx)
	if err != nil {
		return core.Internal(err, "read import")
	}
	if !ok {
		return errNotFound
	}
	return nil
}

// File returns the uploaded workbook.
func (im *Importer) File(ctx context.Context, tenant, id string) (string, []byte, error) {
	var imp importRow
	var f fileRow
	err := im.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		if err := db.NewSelect().Model(&imp).Column("file_name").Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
			return err
		}
		return db.NewSelect().Model(&f).Where("tenant_id = ? AND import_id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return "", nil, notFoundOr(err, "read import file")
	}
	return imp.FileName, f.Content, nil
}

// tracker keeps the progress of running jobs in memory. A commit runs in one
// long transaction, so its progress cannot be read from the database by
// other connections on SQLite (one writer); the embedded mode runs the
// worker in the API's process, so the API reads it here. On PostgreSQL the
// commit also writes it through a separate connection for other processes.
type tracker struct {
	mu sync.Mutex
	m  map[string]Progress
}

func newTracker() *tracker { return &tracker{m: map[string]Progress{}} }

func (t *tracker) set(tenant, id string, p Progress) {
	t.mu.Lock()
	t.m[tenant+"/"+id] = p
	t.mu.Unlock()
}

func (t *tracker) get(tenant, id string) (Progress, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.m[tenant+"/"+id]
	return p, ok
}

func (t *tracker) done(tenant, id string) {
	t.mu.Lock()
	delete(t.m, tenant+"/"+id)
	t.mu.Unlock()
}

// notFoundOr maps a missing row to errNotFound and keeps application errors.
func notFoundOr(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	var ae *core.Error
	if errors.As(err, &ae) {
		return err
	}
	return core.Internal(err, what)
}
