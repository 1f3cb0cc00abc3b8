package roster

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// subtreeEnd is the upper bound of a path range: paths are ids (hex) and
// '/', all below '~'.
const subtreeEnd = "~"

// CreateUnit adds a unit to a tenant's tree.
func (s *Service) CreateUnit(ctx context.Context, tenant string, in cadre.UnitInput) (cadre.Unit, error) {
	in.Normalize()
	if err := cadre.AsInvalid(in.Validate()); err != nil {
		return cadre.Unit{}, err
	}
	now := s.now()
	row := &unitRow{TenantID: tenant, ID: sqldb.NewID(), CreatedAt: now, UpdatedAt: now}
	applyUnit(row, in)
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		parentPath, err := s.checkParent(ctx, tx, tenant, in.ParentID, in.Level)
		if err != nil {
			return err
		}
		row.Path = parentPath + row.ID + "/"
		return insertUnit(ctx, tx, row)
	})
	if err != nil {
		return cadre.Unit{}, err
	}
	return row.unit(), nil
}

func applyUnit(row *unitRow, in cadre.UnitInput) {
	row.ParentID, row.Code, row.Name, row.NameFold, row.Level = in.ParentID, in.Code, in.Name, vntext.Fold(in.Name), in.Level
	row.DifficultArea, row.SpecialArea, row.SecurityArea = in.DifficultArea, in.SpecialArea, in.SecurityArea
	row.ValidFrom, row.ValidTo = in.ValidFrom, in.ValidTo
}

var errUnitCode = core.Invalid("Mã đơn vị đã được dùng.", core.FieldError{Field: "code", Message: "đã có đơn vị khác dùng mã này"})

func insertUnit(ctx context.Context, tx bun.IDB, row *unitRow) error {
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return errUnitCode
		}
		return core.Internal(err, "insert unit")
	}
	return nil
}

// checkParent returns the path of the parent ("/" for a root) after checking
// it exists in the tenant and sits above level.
func (s *Service) checkParent(ctx context.Context, tx bun.IDB, tenant, parentID, level string) (string, error) {
	if parentID == "" {
		return "/", nil
	}
	var p unitRow
	err := tx.NewSelect().Model(&p).Where("tenant_id = ? AND id = ?", tenant, parentID).Scan(ctx)
	if err != nil {
		if e := notFound(err, errUnitNotFound, "read parent unit"); e == errUnitNotFound {
			return "", core.Invalid("Đơn vị cấp trên không tồn tại.", core.FieldError{Field: "parent_id", Message: "không có đơn vị này"})
		} else {
			return "", e
		}
	}
	if !cadre.LevelBelow(level, p.Level) {
		return "", core.Invalid("Cấp đơn vị không hợp lệ.", core.FieldError{Field: "level",
			Message: "phải thấp hơn cấp của đơn vị cấp trên (" + cadre.LabelOf(cadre.Levels, p.Level) + ")"})
	}
	return p.Path, nil
}

// UpdateUnit changes a unit; moving it under another parent moves its whole
// subtree.
func (s *Service) UpdateUnit(ctx context.Context, tenant, id string, in cadre.UnitInput) (cadre.Unit, error) {
	in.Normalize()
	if err := cadre.AsInvalid(in.Validate()); err != nil {
		return cadre.Unit{}, err
	}
	var row unitRow
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id)
		if err := s.forUpdate(q).Scan(ctx); err != nil {
			return notFound(err, errUnitNotFound, "read unit")
		}
		if in.ParentID != "" {
			var p unitRow
			err := tx.NewSelect().Model(&p).Column("path").Where("tenant_id = ? AND id = ?", tenant, in.ParentID).Scan(ctx)
			if err == nil && strings.HasPrefix(p.Path, row.Path) {
				return core.Invalid("Không thể chuyển đơn vị vào chính nó hoặc đơn vị trực thuộc nó.",
					core.FieldError{Field: "parent_id", Message: "không được là đơn vị này hoặc đơn vị trực thuộc"})
			}
		}
		parentPath, err := s.checkParent(ctx, tx, tenant, in.ParentID, in.Level)
		if err != nil {
			return err
		}
		var children []unitRow
		if err := tx.NewSelect().Model(&children).Column("level", "name").
			Where("tenant_id = ? AND parent_id = ?", tenant, id).Scan(ctx); err != nil {
			return core.Internal(err, "read child units")
		}
		for _, c := range children {
			if !cadre.LevelBelow(c.Level, in.Level) {
				return core.Invalid("Cấp đơn vị không hợp lệ.", core.FieldError{Field: "level",
					Message: "phải cao hơn cấp của đơn vị trực thuộc " + c.Name})
			}
		}
		oldPath := row.Path
		applyUnit(&row, in)
		row.Path = parentPath + row.ID + "/"
		row.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return errUnitCode
			}
			return core.Internal(err, "update unit")
		}
		if oldPath != row.Path {
			_, err := tx.NewUpdate().Model((*unitRow)(nil)).
				Set("path = ? || substr(path, ?)", row.Path, len(oldPath)+1).
				Where("tenant_id = ? AND path > ? AND path < ?", tenant, oldPath, oldPath+subtreeEnd).Exec(ctx)
			if err != nil {
				return core.Internal(err, "move unit subtree")
			}
		}
		return nil
	})
	if err != nil {
		return cadre.Unit{}, err
	}
	return row.unit(), nil
}

// DeleteUnit removes a unit created by mistake. A unit with sub-units or
// cadres (past or present) is ended with valid_to instead, never deleted.
func (s *Service) DeleteUnit(ctx context.Context, tenant, id string) error {
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var row unitRow
		q := tx.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id)
		if err := s.forUpdate(q).Scan(ctx); err != nil {
			return notFound(err, errUnitNotFound, "read unit")
		}
		used, err := tx.NewSelect().Model((*unitRow)(nil)).Where("tenant_id = ? AND parent_id = ?", tenant, id).Exists(ctx)
		if err == nil && !used {
			used, err = tx.NewSelect().Model((*cadreRow)(nil)).Where("tenant_id = ? AND unit_id = ?", tenant, id).Exists(ctx)
		}
		if err == nil && !used {
			used, err = tx.NewSelect().Model((*positionRow)(nil)).Where("tenant_id = ? AND unit_id = ?", tenant, id).Exists(ctx)
		}
		if err != nil {
			return core.Internal(err, "check unit use")
		}
		if used {
			return core.Errorf(core.ECONFLICT, "Đơn vị còn đơn vị trực thuộc hoặc có cán bộ; hãy đặt ngày kết thúc thay vì xóa.")
		}
		if _, err := tx.NewDelete().Model((*unitRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return core.Internal(err, "delete unit")
		}
		return nil
	})
}

// GetUnit returns one unit.
func (s *Service) GetUnit(ctx context.Context, tenant, id string) (cadre.Unit, error) {
	var row unitRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return cadre.Unit{}, notFound(err, errUnitNotFound, "read unit")
	}
	return row.unit(), nil
}

// UnitFilter selects units in a list.
type UnitFilter struct {
	// ParentID lists the children of one unit; with Roots, the roots only.
	ParentID string
	Roots    bool
	// Under lists a whole subtree (the unit itself included).
	Under string
	Level string
	// Q matches names ignoring diacritics, or the code exactly.
	Q string
	// ActiveOn keeps units that existed on that date.
	ActiveOn cadre.Date
	Limit    int
	Offset   int
}

// ListUnits returns a page of units in name order, and how many match.
func (s *Service) ListUnits(ctx context.Context, tenant string, f UnitFilter) ([]cadre.Unit, int, error) {
	var rows []unitRow
	var total int
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		q := db.NewSelect().Model(&rows).Where("u.tenant_id = ?", tenant)
		switch {
		case f.Roots:
			q = q.Where("u.parent_id = ''")
		case f.ParentID != "":
			q = q.Where("u.parent_id = ?", f.ParentID)
		}
		if f.Under != "" {
			var root unitRow
			if err := db.NewSelect().Model(&root).Column("path").Where("tenant_id = ? AND id = ?", tenant, f.Under).Scan(ctx); err != nil {
				return notFound(err, errUnitNotFound, "read unit")
			}
			q = q.Where("u.path >= ? AND u.path < ?", root.Path, root.Path+subtreeEnd)
		}
		if f.Level != "" {
			q = q.Where("u.level = ?", f.Level)
		}
		if f.Q != "" {
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("u.name_fold LIKE ? ESCAPE '\\'", "%"+likeEscape(vntext.Fold(f.Q))+"%").WhereOr("u.code = ?", f.Q)
			})
		}
		if !f.ActiveOn.IsZero() {
			q = q.Where("(u.valid_from IS NULL OR u.valid_from <= ?) AND (u.valid_to IS NULL OR u.valid_to >= ?)", f.ActiveOn, f.ActiveOn)
		}
		n, err := q.Count(ctx)
		if err != nil {
			return core.Internal(err, "count units")
		}
		total = int(n)
		if f.Limit > 0 {
			q = q.Limit(int64(f.Limit)).Offset(int64(f.Offset))
		}
		if err := q.OrderExpr("u.name_fold, u.code").Scan(ctx); err != nil {
			return core.Internal(err, "list units")
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]cadre.Unit, len(rows))
	for i := range rows {
		out[i] = rows[i].unit()
	}
	return out, total, nil
}

// likeEscape escapes LIKE wildcards (with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// unitIndex resolves units typed in a spreadsheet: by code, by "code - name"
// or by a name that is unique in the tenant.
type unitIndex struct {
	byCode map[string]cadre.Unit
	byName map[string][]cadre.Unit
}

// UnitIndex loads every unit of a tenant for lookups by code or name.
func (s *Service) UnitIndex(ctx context.Context, tenant string) (*UnitLookup, error) {
	units, _, err := s.ListUnits(ctx, tenant, UnitFilter{})
	if err != nil {
		return nil, err
	}
	ix := &unitIndex{byCode: map[string]cadre.Unit{}, byName: map[string][]cadre.Unit{}}
	for _, u := range units {
		ix.byCode[strings.ToLower(u.Code)] = u
		f := vntext.Fold(u.Name)
		ix.byName[f] = append(ix.byName[f], u)
	}
	return &UnitLookup{ix: ix, Units: units}, nil
}

// UnitLookup finds units by what people type.
type UnitLookup struct {
	ix    *unitIndex
	Units []cadre.Unit
}

// Find returns the unit s names; ambiguous is true when a name matches
// several units (the user must give the code).
func (l *UnitLookup) Find(s string) (u cadre.Unit, ok, ambiguous bool) {
	s = vntext.Clean(s)
	if s == "" {
		return cadre.Unit{}, false, false
	}
	if u, ok := l.ix.byCode[strings.ToLower(s)]; ok {
		return u, true, false
	}
	for _, sep := range []string{" - ", " – ", " — ", "-"} {
		if code, _, found := strings.Cut(s, sep); found {
			if u, ok := l.ix.byCode[strings.ToLower(strings.TrimSpace(code))]; ok {
				return u, true, false
			}
		}
	}
	us := l.ix.byName[vntext.Fold(s)]
	switch len(us) {
	case 1:
		return us[0], true, false
	case 0:
		return cadre.Unit{}, false, false
	default:
		return cadre.Unit{}, false, true
	}
}
