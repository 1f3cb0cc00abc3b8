package roster

import (
	"context"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// TenantDirectory tells whether a tenant can receive cadres (exists and has
// not ended). The tenant registry implements it.
type TenantDirectory interface {
	AcceptsCadres(ctx context.Context, slug string) (bool, error)
}

// TransferInput proposes to move a cadre to another tenant.
type TransferInput struct {
	ToTenant string     `json:"to_tenant"`
	On       cadre.Date `json:"on"`
	Note     string     `json:"note"`
}

// ProposeTransfer records, in the source tenant, that an active cadre is to
// move to another tenant. Nothing moves until the target accepts.
func (s *Service) ProposeTransfer(ctx context.Context, tenant, cadreID string, in TransferInput, dir TenantDirectory) (cadre.Transfer, error) {
	in.Note = vntext.Clean(in.Note)
	var ps []cadre.Problem
	if in.ToTenant == "" || in.ToTenant == tenant {
		ps = append(ps, cadre.Problem{Field: "to_tenant", Message: "phải là một đơn vị khác đơn vị hiện tại"})
	} else if dir != nil {
		ok, err := dir.AcceptsCadres(ctx, in.ToTenant)
		if err != nil {
			return cadre.Transfer{}, core.Internal(err, "check target tenant")
		}
		if !ok {
			ps = append(ps, cadre.Problem{Field: "to_tenant", Message: "không có đơn vị này hoặc đơn vị đã ngừng hoạt động"})
		}
	}
	if in.On.IsZero() {
		ps = append(ps, cadre.Problem{Field: "on", Message: "không được để trống"})
	}
	if err := cadre.AsInvalid(ps); err != nil {
		return cadre.Transfer{}, err
	}
	var row transferRow
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.loadCadre(ctx, tx, tenant, cadreID)
		if err != nil {
			return err
		}
		if c.Status != cadre.Active {
			return errNotActive
		}
		row = transferRow{TenantID: tenant, ID: sqldb.NewID(), ToTenant: in.ToTenant, FromCadreID: cadreID,
			CadreName: c.FullName, Status: cadre.TransferPending, On: in.On, Note: in.Note,
			CreatedBy: actor(ctx), CreatedAt: s.now()}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return core.Errorf(core.ECONFLICT, "Cán bộ đang có một đề nghị chuyển công tác chờ xử lý.")
			}
			return core.Internal(err, "insert transfer")
		}
		return nil
	})
	if err != nil {
		return cadre.Transfer{}, err
	}
	return row.transfer(), nil
}

// TransferFilter selects transfers seen from one tenant.
type TransferFilter struct {
	Direction string // "in", "out" or "" for both
	Status    string
	Limit     int
	Offset    int
}

// ListTransfers returns the transfers into and out of a tenant, newest first.
func (s *Service) ListTransfers(ctx context.Context, tenant string, f TransferFilter) ([]cadre.Transfer, int, error) {
	var rows []transferRow
	var total int
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		q := db.NewSelect().Model(&rows)
		switch f.Direction {
		case "in":
			q = q.Where("t.to_tenant = ?", tenant)
		case "out":
			q = q.Where("t.tenant_id = ?", tenant)
		default:
			q = q.Where("(t.tenant_id = ? OR t.to_tenant = ?)", tenant, tenant)
		}
		if f.Status != "" {
			q = q.Where("t.status = ?", f.Status)
		}
		n, err := q.Count(ctx)
		if err != nil {
			return core.Internal(err, "count transfers")
		}
		total = int(n)
		if f.Limit > 0 {
			q = q.Limit(int64(f.Limit)).Offset(int64(f.Offset))
		}
		if err := q.OrderExpr("t.created_at DESC, t.id").Scan(ctx); err != nil {
			return core.Internal(err, "list transfers")
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]cadre.Transfer, len(rows))
	for i := range rows {
		out[i] = rows[i].transfer()
	}
	return out, total, nil
}

// GetTransfer returns a transfer the tenant is a side of.
func (s *Service) GetTransfer(ctx context.Context, tenant, id string) (cadre.Transfer, error) {
	var row transferRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		return db.NewSelect().Model(&row).Where("t.id = ? AND (t.tenant_id = ? OR t.to_tenant = ?)", id, tenant, tenant).Scan(ctx)
	})
	if err != nil {
		return cadre.Transfer{}, notFound(err, errTransferNotFound, "read transfer")
	}
	return row.transfer(), nil
}

// loadPending locks a pending transfer seen from side ("from" or "to").
func (s *Service) loadPending(ctx context.Context, tx bun.IDB, tenant, id, side string) (*transferRow, error) {
	row := new(transferRow)
	col := "t.tenant_id"
	if side == "to" {
		col = "t.to_tenant"
	}
	q := tx.NewSelect().Model(row).Where("t.id = ? AND "+col+" = ?", id, tenant)
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, notFound(err, errTransferNotFound, "read transfer")
	}
	if row.Status != cadre.TransferPending {
		return nil, core.Errorf(core.ECONFLICT, "Đề nghị chuyển công tác đã được xử lý (%s).", row.Status)
	}
	return row, nil
}

// decide closes a pending transfer without moving anything.
func (s *Service) decide(ctx context.Context, tenant, id, side, status, note string) (cadre.Transfer, error) {
	var out cadre.Transfer
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadPending(ctx, tx, tenant, id, side)
		if err != nil {
			return err
		}
		now := s.now()
		row.Status, row.DecidedBy, row.DecidedAt = status, actor(ctx), &now
		if note = vntext.Clean(note); note != "" {
			row.Note = note
		}
		if _, err := tx.NewUpdate().Model(row).Column("status", "decided_by", "decided_at", "note").WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "update transfer")
		}
		out = row.transfer()
		return nil
	})
	return out, err
}

// RejectTransfer is the target tenant declining an incoming cadre.
func (s *Service) RejectTransfer(ctx context.Context, tenant, id, note string) (cadre.Transfer, error) {
	return s.decide(ctx, tenant, id, "to", cadre.TransferRejected, note)
}

// CancelTransfer is the source tenant withdrawing its proposal.
func (s *Service) CancelTransfer(ctx context.Context, tenant, id string) (cadre.Transfer, error) {
	return s.decide(ctx, tenant, id, "from", cadre.TransferCancelled, "")
}

// AcceptInput places an incoming cadre in one of the target's units.
type AcceptInput struct {
	UnitID string `json:"unit_id"`
	Title  string `json:"title"`
}

// AcceptTransfer is the target tenant taking the cadre into one of its units.
// In one transaction over both tenants: the source record becomes
// transferred_out (read-only, still listed there under that status), the
// target gets a new record (new id, sensitive fields re-encrypted for it)
// that points back at the source record for the training history, a copy
// of the position history, and a transfer_in position.
func (s *Service) AcceptTransfer(ctx context.Context, tenant, id string, in AcceptInput) (cadre.Transfer, error) {
	if in.Title != "" {
		if _, ok := s.titles.ByCode(in.Title); !ok {
			return cadre.Transfer{}, core.Invalid("Chức danh không hợp lệ.", core.FieldError{Field: "title", Message: "không có trong danh mục chức danh"})
		}
	}
	var t *transferRow
	// The source tenant is read from the transfer first: the transaction
	// must be scoped to both tenants from its start.
	pre, err := s.GetTransfer(ctx, tenant, id)
	if err != nil {
		return cadre.Transfer{}, err
	}
	if pre.ToTenant != tenant {
		return cadre.Transfer{}, errTransferNotFound
	}
	from := pre.FromTenant
	err = s.db.ConsolidationTx(ctx, []string{from, tenant}, func(ctx context.Context, tx bun.Tx) error {
		if t, err = s.loadPending(ctx, tx, tenant, id, "to"); err != nil {
			return err
		}
		if err := s.checkUnitOpen(ctx, tx, tenant, in.UnitID); err != nil {
			return err
		}
		src, err := s.loadCadre(ctx, tx, from, t.FromCadreID)
		if err != nil {
			return err
		}
		if src.Status != cadre.Active {
			return errNotActive
		}
		sens, err := s.open(src)
		if err != nil {
			return err
		}
		now := s.now()
		dst := *src
		dst.TenantID, dst.ID, dst.UnitID, dst.Title = tenant, sqldb.NewID(), in.UnitID, in.Title
		dst.PrevTenant, dst.PrevID, dst.TransferredTo = from, src.ID, ""
		dst.CCCDEnc = s.seal.Seal(fieldCCCD, dst.ID, sens.CCCD)
		dst.EthnicityEnc = s.seal.Seal(fieldEthnicity, dst.ID, sens.Ethnicity)
		dst.ReligionEnc = s.seal.Seal(fieldReligion, dst.ID, sens.Religion)
		dst.CreatedAt, dst.UpdatedAt = now, now
		if err := insertCadre(ctx, tx, &dst); err != nil {
			return err
		}
		if err := s.copyPositions(ctx, tx, from, src.ID, dst.ID, tenant, t.On); err != nil {
			return err
		}
		if err := s.closePositions(ctx, tx, from, src.ID, t.On); err != nil {
			return err
		}
		for _, p := range []*positionRow{
			{TenantID: from, CadreID: src.ID, Kind: cadre.TransferOut, StartedOn: t.On, EndedOn: t.On, Note: "Chuyển đến " + tenant},
			{TenantID: tenant, CadreID: dst.ID, Kind: cadre.TransferIn, UnitID: dst.UnitID, Title: dst.Title, StartedOn: t.On, Note: "Chuyển từ " + from},
		} {
			if err := s.insertPosition(ctx, tx, p); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Model((*planningRow)(nil)).Set("until_on = ?", t.On).
			Where("tenant_id = ? AND cadre_id = ? AND until_on IS NULL", from, src.ID).Exec(ctx); err != nil {
			return core.Internal(err, "end planning")
		}
		src.Status, src.TransferredTo, src.LeftOn, src.UpdatedAt = cadre.TransferredOut, tenant, t.On, now
		if _, err := tx.NewUpdate().Model(src).Column("status", "transferred_to", "left_on", "updated_at").WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "mark cadre transferred")
		}
		t.Status, t.ToCadreID, t.ToUnitID, t.DecidedBy, t.DecidedAt = cadre.TransferAccepted, dst.ID, dst.UnitID, actor(ctx), &now
		if _, err := tx.NewUpdate().Model(t).Column("status", "to_cadre_id", "to_unit_id", "decided_by", "decided_at").WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "accept transfer")
		}
		detail := map[string]any{"transfer": t.ID, "from": from, "to": tenant}
		if err := s.record(ctx, tx, AuditEvent{Tenant: from, Action: "cadre.transfer_out", Object: "cadre", ObjectID: src.ID, Detail: detail}); err != nil {
			return err
		}
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.transfer_in", Object: "cadre", ObjectID: dst.ID, Detail: detail})
	})
	if err != nil {
		return cadre.Transfer{}, err
	}
	return t.transfer(), nil
}

// copyPositions copies the source history into the target tenant. Units of
// the source tenant mean nothing in the target, so the unit is kept as a
// note ("Đoàn xã A (p72)") and the unit id left empty; positions still open
// end on the transfer date.
func (s *Service) copyPositions(ctx context.Context, tx bun.IDB, from, srcID, dstID, to string, on cadre.Date) error {
	var ps []positionRow
	if err := tx.NewSelect().Model(&ps).Where("tenant_id = ? AND cadre_id = ?", from, srcID).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return core.Internal(err, "read positions")
	}
	names := map[string]string{}
	for i := range ps {
		p := ps[i]
		if p.UnitID != "" {
			if _, ok := names[p.UnitID]; !ok {
				var u unitRow
				if err := tx.NewSelect().Model(&u).Column("name").Where("tenant_id = ? AND id = ?", from, p.UnitID).Scan(ctx); err != nil {
					return notFound(err, errUnitNotFound, "read unit")
				}
				names[p.UnitID] = u.Name
			}
			p.Note = vntext.Clean(names[p.UnitID] + " (" + from + ") " + p.Note)
		}
		p.TenantID, p.ID, p.CadreID, p.UnitID = to, sqldb.NewID(), dstID, ""
		if p.EndedOn.IsZero() && p.Kind != cadre.LeftPost {
			p.EndedOn = on
		}
		if err := s.insertPosition(ctx, tx, &p); err != nil {
			return err
		}
	}
	return nil
}
