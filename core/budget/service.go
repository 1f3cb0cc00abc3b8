package budget

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
)

// Options wire the service's collaborators.
type Options struct {
	// Norms computes lines with a tenant's CostNorms plugin; nil when no
	// plugin host is wired (rate tables only).
	Norms core.CostNorms
	// Now is the clock (tests); default time.Now in UTC.
	Now func() time.Time
}

// Service keeps rate tables and computes and stores budget lines.
type Service struct {
	db    *sqldb.DB
	norms core.CostNorms
	now   func() time.Time
}

// NewService returns the budget service on db.
func NewService(db *sqldb.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{db: db, norms: o.Norms, now: o.Now}
}

var errRatesNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy bảng định mức chi.")

// RateInput is a rate table as a client sends it.
type RateInput struct {
	Name          string     `json:"name"`
	EffectiveFrom Date       `json:"effective_from"`
	EffectiveTo   Date       `json:"effective_to"`
	Basis         string     `json:"basis"`
	Items         []RateItem `json:"items"`
}

// ListRates returns tenant's rate tables, newest first, with their items.
func (s *Service) ListRates(ctx context.Context, tenant string) ([]RateTable, error) {
	var ts []RateTable
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		ts, err = loadTables(ctx, q, tenant, "")
		return err
	})
	if err != nil {
		return nil, core.Internal(err, "list rate tables")
	}
	return ts, nil
}

// GetRates returns one of tenant's rate tables.
func (s *Service) GetRates(ctx context.Context, tenant, id string) (*RateTable, error) {
	var ts []RateTable
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		ts, err = loadTables(ctx, q, tenant, id)
		return err
	})
	if err != nil {
		return nil, core.Internal(err, "get rate table")
	}
	if len(ts) == 0 {
		return nil, errRatesNotFound
	}
	return &ts[0], nil
}

// loadTables reads tenant's tables (one when id is set) with their items.
func loadTables(ctx context.Context, q bun.IDB, tenant, id string) ([]RateTable, error) {
	var ts []RateTable
	sel := q.NewSelect().Model(&ts).Where("rt.tenant_id = ?", tenant).OrderExpr("rt.effective_from DESC")
	if id != "" {
		sel = sel.Where("rt.id = ?", id)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("load rate tables: %w", err)
	}
	if len(ts) == 0 {
		return ts, nil
	}
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	var items []RateItem
	if err := q.NewSelect().Model(&items).Where("ri.tenant_id = ? AND ri.table_id IN (?)", tenant, bun.In(ids)).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load rate items: %w", err)
	}
	byTable := map[string][]RateItem{}
	for _, it := range items {
		byTable[it.TableID] = append(byTable[it.TableID], it)
	}
	for i := range ts {
		ts[i].Items = sortItems(byTable[ts[i].ID])
	}
	return ts, nil
}

// sortItems orders items as Items lists them, then by rank.
func sortItems(its []RateItem) []RateItem {
	if its == nil {
		return []RateItem{}
	}
	slices.SortFunc(its, func(a, b RateItem) int {
		if c := slices.Index(Items, a.Item) - slices.Index(Items, b.Item); c != 0 {
			return c
		}
		return strings.Compare(a.Rank, b.Rank)
	})
	return its
}

// InForce returns tenant's rate table in force on d, read in the caller's
// transaction q: the one with the latest start on or before d that has not
// ended. nil when there is none.
func (s *Service) InForce(ctx context.Context, q bun.IDB, tenant string, d Date) (*RateTable, error) {
	ts, err := loadTables(ctx, q, tenant, "")
	if err != nil {
		return nil, core.Internal(err, "find rate table in force")
	}
	for i := range ts { // newest first
		if ts[i].InForce(d) {
			return &ts[i], nil
		}
	}
	return nil, nil
}

// CreateRates stores a new rate table for tenant.
func (s *Service) CreateRates(ctx context.Context, tenant string, in RateInput) (*RateTable, error) {
	t := &RateTable{ID: sqldb.NewID(), TenantID: tenant, CreatedBy: principal(ctx), CreatedAt: s.now()}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return s.saveTable(ctx, tx, t, in, false, true)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateRates replaces a rate table's fields and items. Lines computed
// earlier keep their amounts until they are recomputed.
func (s *Service) UpdateRates(ctx context.Context, tenant, id string, in RateInput) (*RateTable, error) {
	var out *RateTable
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ts, err := loadTables(ctx, tx, tenant, id)
		if err != nil {
			return core.Internal(err, "load rate table")
		}
		if len(ts) == 0 {
			return errRatesNotFound
		}
		out = &ts[0]
		return s.saveTable(ctx, tx, out, in, false, false)
	})
	return out, err
}

// DeleteRates deletes a rate table with its items.
func (s *Service) DeleteRates(ctx context.Context, tenant, id string) error {
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*RateTable)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
		if err != nil {
			return core.Internal(err, "delete rate table")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errRatesNotFound
		}
		return nil
	})
}

// saveTable validates in and writes it into t (inserting when create).
func (s *Service) saveTable(ctx context.Context, tx bun.Tx, t *RateTable, in RateInput, example, create bool) error {
	if err := validateRates(in); err != nil {
		return err
	}
	t.Name, t.EffectiveFrom, t.EffectiveTo = strings.TrimSpace(in.Name), in.EffectiveFrom, in.EffectiveTo
	t.Basis, t.Example, t.UpdatedAt = strings.TrimSpace(in.Basis), example, s.now()
	var err error
	if create {
		_, err = tx.NewInsert().Model(t).Exec(ctx)
	} else {
		_, err = tx.NewUpdate().Model(t).WherePK().
			Column("name", "effective_from", "effective_to", "basis", "example", "updated_at").Exec(ctx)
	}
	if sqldb.IsUniqueViolation(err) {
		return core.Invalid("Bảng định mức chi chưa hợp lệ.", core.FieldError{Field: "effective_from",
			Message: "Đã có một bảng định mức chi hiệu lực từ ngày " + in.EffectiveFrom.VN() + "."})
	} else if err != nil {
		return core.Internal(err, "save rate table")
	}
	if _, err := tx.NewDelete().Model((*RateItem)(nil)).Where("tenant_id = ? AND table_id = ?", t.TenantID, t.ID).
		Exec(ctx); err != nil {
		return core.Internal(err, "replace rate items")
	}
	items := make([]RateItem, len(in.Items))
	for i, it := range in.Items {
		it.TenantID, it.TableID = t.TenantID, t.ID
		it.Rank, it.Note = strings.TrimSpace(it.Rank), strings.TrimSpace(it.Note)
		items[i] = it
	}
	if len(items) > 0 {
		if _, err := tx.NewInsert().Model(&items).Exec(ctx); err != nil {
			return core.Internal(err, "insert rate items")
		}
	}
	t.Items = sortItems(items)
	return nil
}

// validateRates checks a rate table with Vietnamese field-level messages.
func validateRates(in RateInput) error {
	var fs []core.FieldError
	if strings.TrimSpace(in.Name) == "" {
		fs = append(fs, core.FieldError{Field: "name", Message: "Tên bảng định mức không được để trống."})
	}
	if in.EffectiveFrom.IsZero() {
		fs = append(fs, core.FieldError{Field: "effective_from", Message: "Phải có ngày bắt đầu hiệu lực."})
	}
	if !in.EffectiveTo.IsZero() && in.EffectiveTo.Before(in.EffectiveFrom) {
		fs = append(fs, core.FieldError{Field: "effective_to", Message: "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."})
	}
	if len(in.Items) == 0 {
		fs = append(fs, core.FieldError{Field: "items", Message: "Bảng định mức phải có ít nhất một khoản chi."})
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		f := fmt.Sprintf("items[%d]", i)
		if _, ok := ItemNames[it.Item]; !ok {
			fs = append(fs, core.FieldError{Field: f + ".item", Message: "Khoản chi không hợp lệ: " + it.Item})
		}
		if _, ok := UnitNames[it.Unit]; !ok {
			fs = append(fs, core.FieldError{Field: f + ".unit", Message: "Đơn vị tính không hợp lệ: " + it.Unit})
		}
		if _, ok := SourceNames[it.FundingSource]; !ok {
			fs = append(fs, core.FieldError{Field: f + ".funding_source", Message: "Nguồn kinh phí phải là central, local hoặc other."})
		}
		if it.Amount < 0 {
			fs = append(fs, core.FieldError{Field: f + ".amount", Message: "Mức chi không được âm."})
		}
		if it.Rank != "" && it.Item != ItemLecturerPay {
			fs = append(fs, core.FieldError{Field: f + ".rank", Message: "Chỉ thù lao giảng viên mới chia theo hạng."})
		}
		key := it.Item + "|" + strings.TrimSpace(it.Rank)
		if seen[key] {
			fs = append(fs, core.FieldError{Field: f, Message: "Khoản chi bị trùng trong bảng."})
		}
		seen[key] = true
	}
	if len(fs) > 0 {
		return core.Invalid("Bảng định mức chi chưa hợp lệ.", fs...)
	}
	return nil
}

// principal is the caller's user id, for created_by columns.
func principal(ctx context.Context) string {
	p, _ := core.PrincipalFrom(ctx)
	return p.UserID
}

// isNoRows reports an empty single-row result.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
