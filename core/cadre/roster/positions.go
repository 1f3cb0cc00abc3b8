package roster

import (
	"context"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

func (s *Service) insertPosition(ctx context.Context, tx bun.IDB, p *positionRow) error {
	if p.ID == "" {
		p.ID = sqldb.NewID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
		return core.Internal(err, "insert position")
	}
	return nil
}

// closePositions ends the cadre's open positions on the given date.
func (s *Service) closePositions(ctx context.Context, tx bun.IDB, tenant, cadreID string, on cadre.Date) error {
	_, err := tx.NewUpdate().Model((*positionRow)(nil)).Set("ended_on = ?", on).
		Where("tenant_id = ? AND cadre_id = ? AND ended_on IS NULL AND kind IN (?)", tenant, cadreID,
			bun.In([]string{cadre.Appointed, cadre.Moved, cadre.TransferIn})).Exec(ctx)
	if err != nil {
		return core.Internal(err, "close positions")
	}
	return nil
}

// PositionInput records an appointment, a move or a cadre leaving.
type PositionInput struct {
	Kind     string     `json:"kind"` // appointed, moved or left
	UnitID   string     `json:"unit_id"`
	Title    string     `json:"title"`
	On       cadre.Date `json:"on"`
	Decision string     `json:"decision"`
	Note     string     `json:"note"`
}

// AddPosition records a step in a cadre's history. An appointment or a move
// ends the open position and sets the cadre's unit and title (re-appointing
// a cadre who had left makes them active again); leaving ends the open
// position and the planning-pool places and marks the cadre as left.
func (s *Service) AddPosition(ctx context.Context, tenant, cadreID string, in PositionInput) (cadre.Position, error) {
	in.Decision, in.Note = vntext.Clean(in.Decision), vntext.Clean(in.Note)
	var ps []cadre.Problem
	switch in.Kind {
	case cadre.Appointed, cadre.Moved, cadre.LeftPost:
	default:
		ps = append(ps, cadre.Problem{Field: "kind", Message: "phải là appointed, moved hoặc left"})
	}
	if in.On.IsZero() {
		ps = append(ps, cadre.Problem{Field: "on", Message: "không được để trống"})
	} else if in.On.After(cadre.Today()) {
		ps = append(ps, cadre.Problem{Field: "on", Message: "không được sau ngày hôm nay"})
	}
	if in.Title != "" {
		if _, ok := s.titles.ByCode(in.Title); !ok {
			ps = append(ps, cadre.Problem{Field: "title", Message: "không có trong danh mục chức danh"})
		}
	}
	if err := cadre.AsInvalid(ps); err != nil {
		return cadre.Position{}, err
	}
	var out cadre.Position
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadCadre(ctx, tx, tenant, cadreID)
		if err != nil {
			return err
		}
		if row.Status == cadre.TransferredOut || (row.Status == cadre.Left && in.Kind != cadre.Appointed) {
			return errNotActive
		}
		if err := s.closePositions(ctx, tx, tenant, cadreID, in.On); err != nil {
			return err
		}
		p := &positionRow{TenantID: tenant, CadreID: cadreID, Kind: in.Kind, StartedOn: in.On, Decision: in.Decision, Note: in.Note}
		if in.Kind == cadre.LeftPost {
			p.EndedOn = in.On
			row.Status, row.LeftOn = cadre.Left, in.On
			if _, err := tx.NewUpdate().Model((*planningRow)(nil)).Set("until_on = ?", in.On).
				Where("tenant_id = ? AND cadre_id = ? AND until_on IS NULL", tenant, cadreID).Exec(ctx); err != nil {
				return core.Internal(err, "end planning")
			}
		} else {
			if in.UnitID == "" {
				in.UnitID = row.UnitID
			}
			if err := s.checkUnitOpen(ctx, tx, tenant, in.UnitID); err != nil {
				return err
			}
			p.UnitID, p.Title = in.UnitID, in.Title
			row.UnitID, row.Title, row.Status, row.LeftOn = in.UnitID, in.Title, cadre.Active, cadre.Date{}
		}
		row.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(row).Column("unit_id", "title", "status", "left_on", "updated_at").WherePK().Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return errCCCDTaken
			}
			return core.Internal(err, "update cadre position")
		}
		if err := s.insertPosition(ctx, tx, p); err != nil {
			return err
		}
		out = p.position()
		return nil
	})
	return out, err
}

// Positions returns a cadre's position history, oldest first.
func (s *Service) Positions(ctx context.Context, tenant, cadreID string) ([]cadre.Position, error) {
	var rows []positionRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if ok, err := q.NewSelect().Model((*cadreRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, cadreID).Exists(ctx); err != nil {
			return core.Internal(err, "read cadre")
		} else if !ok {
			return errCadreNotFound
		}
		return q.NewSelect().Model(&rows).Where("tenant_id = ? AND cadre_id = ?", tenant, cadreID).
			OrderExpr("created_at, id").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	out := make([]cadre.Position, len(rows))
	for i := range rows {
		out[i] = rows[i].position()
	}
	return out, nil
}

// PlanningInput places a cadre in the planning pool for a key title.
type PlanningInput struct {
	Title string     `json:"title"`
	Since cadre.Date `json:"since"`
	Note  string     `json:"note"`
}

// AddPlanning places an active cadre in the planning pool of a key title.
func (s *Service) AddPlanning(ctx context.Context, tenant, cadreID string, in PlanningInput) (cadre.Planning, error) {
	in.Note = vntext.Clean(in.Note)
	var ps []cadre.Problem
	if t, ok := s.titles.ByCode(in.Title); !ok || !t.Key {
		ps = append(ps, cadre.Problem{Field: "title", Message: "phải là một chức danh chủ chốt trong danh mục"})
	}
	if in.Since.IsZero() {
		ps = append(ps, cadre.Problem{Field: "since", Message: "không được để trống"})
	} else if in.Since.After(cadre.Today()) {
		ps = append(ps, cadre.Problem{Field: "since", Message: "không được sau ngày hôm nay"})
	}
	if err := cadre.AsInvalid(ps); err != nil {
		return cadre.Planning{}, err
	}
	row := &planningRow{TenantID: tenant, ID: sqldb.NewID(), CadreID: cadreID, Title: in.Title, Since: in.Since,
		Note: in.Note, CreatedAt: s.now()}
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.loadCadre(ctx, tx, tenant, cadreID)
		if err != nil {
			return err
		}
		if c.Status != cadre.Active {
			return errNotActive
		}
		dup, err := tx.NewSelect().Model((*planningRow)(nil)).
			Where("tenant_id = ? AND cadre_id = ? AND title = ? AND until_on IS NULL", tenant, cadreID, in.Title).Exists(ctx)
		if err != nil {
			return core.Internal(err, "check planning")
		}
		if dup {
			return core.Errorf(core.ECONFLICT, "Cán bộ đã ở trong quy hoạch chức danh này.")
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return core.Internal(err, "insert planning")
		}
		return nil
	})
	if err != nil {
		return cadre.Planning{}, err
	}
	return row.planning(), nil
}

// EndPlanning takes a cadre out of a planning pool on the given date (today
// when zero).
func (s *Service) EndPlanning(ctx context.Context, tenant, cadreID, planningID string, until cadre.Date) (cadre.Planning, error) {
	if until.IsZero() {
		until = cadre.Today()
	}
	var row planningRow
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(&row).Where("tenant_id = ? AND cadre_id = ? AND id = ?", tenant, cadreID, planningID)
		if err := s.forUpdate(q).Scan(ctx); err != nil {
			return notFound(err, core.Errorf(core.ENOTFOUND, "Không tìm thấy quy hoạch."), "read planning")
		}
		if !row.Until.IsZero() {
			return core.Errorf(core.ECONFLICT, "Quy hoạch này đã kết thúc.")
		}
		if until.Before(row.Since) {
			return core.Invalid("Ngày kết thúc không hợp lệ.", core.FieldError{Field: "until", Message: "không được trước ngày vào quy hoạch"})
		}
		row.Until = until
		if _, err := tx.NewUpdate().Model(&row).Column("until_on").WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "end planning")
		}
		return nil
	})
	if err != nil {
		return cadre.Planning{}, err
	}
	return row.planning(), nil
}

// Planning returns a cadre's planning-pool places, current and past.
func (s *Service) Planning(ctx context.Context, tenant, cadreID string) ([]cadre.Planning, error) {
	var rows []planningRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if ok, err := q.NewSelect().Model((*cadreRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, cadreID).Exists(ctx); err != nil {
			return core.Internal(err, "read cadre")
		} else if !ok {
			return errCadreNotFound
		}
		return q.NewSelect().Model(&rows).Where("tenant_id = ? AND cadre_id = ?", tenant, cadreID).
			OrderExpr("since_on, created_at").Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	out := make([]cadre.Planning, len(rows))
	for i := range rows {
		out[i] = rows[i].planning()
	}
	return out, nil
}
