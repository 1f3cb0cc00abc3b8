package roster

import (
	"context"
	"database/sql"

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
	err := s.db.ConsolidationTx(ctx, []string{tenant, in.ToTenant}, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.loadCadre(ctx, tx, tenant, cadreID)
		if err != nil {
			return err
		}
		if c.Status != cadre.Active {
			return errNotActive
		}
		row = transferRow{TenantID: tenant, ID: sqldb.NewID(), Side: sideOut, FromTenant: tenant, ToTenant: in.ToTenant,
			FromCadreID: cadreID, CadreName: c.FullName, Status: cadre.TransferPending, On: in.On, Note: in.Note,
			CreatedBy: actor(ctx), CreatedAt: s.now()}
		mirror := row
		mirror.TenantID, mirror.Side = in.ToTenant, sideIn
		if _, err := tx.NewInsert().Model(&[]transferRow{row, mirror}).Exec(ctx); err != nil {
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
		q := db.NewSelect().Model(&rows).Where("t.tenant_id = ?", tenant)
		switch f.Direction {
		case sideIn, sideOut:
			q = q.Where("t.side = ?", f.Direction)
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
	row, err := s.transferSide(ctx, tenant, id)
	if err != nil {
		return cadre.Transfer{}, err
	}
	return row.transfer(), nil
}

func (s *Service) transferSide(ctx context.Context, tenant, id string) (*transferRow, error) {
	row := new(transferRow)
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		return db.NewSelect().Model(row).Where("t.tenant_id = ? AND t.id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return nil, notFound(err, errTransferNotFound, "read transfer")
	}
	return row, nil
}

// errSettled reports a transfer already settled on the other side (or, after
// a tenant merge, gone from it): this side has just been brought in step.
var errSettled = core.Errorf(core.ECONFLICT, "Đề nghị chuyển công tác đã được xử lý hoặc đã bị hủy ở đơn vị bên kia.")

// lockPair locks both rows of a pending transfer, seen from tenant on side.
// If the other side is missing or no longer pending, this side takes its
// status (cancelled when missing) and settled is true: the caller commits
// that and reports errSettled.
func (s *Service) lockPair(ctx context.Context, tx bun.IDB, tenant, id, side string) (own, other *transferRow, settled bool, err error) {
	load := func(t string) (*transferRow, error) {
		r := new(transferRow)
		q := tx.NewSelect().Model(r).Where("t.tenant_id = ? AND t.id = ?", t, id)
		return r, s.forUpdate(q).Scan(ctx)
	}
	own, err = load(tenant)
	if err != nil || own.Side != side {
		return nil, nil, false, notFound(orNoRows(err), errTransferNotFound, "read transfer")
	}
	if own.Status != cadre.TransferPending {
		return nil, nil, false, core.Errorf(core.ECONFLICT, "Đề nghị chuyển công tác đã được xử lý (%s).", own.Status)
	}
	other, err = load(own.counterpart())
	if err != nil && notFound(err, errTransferNotFound, "") != errTransferNotFound {
		return nil, nil, false, core.Internal(err, "read transfer")
	}
	if err != nil || other.Status != cadre.TransferPending {
		own.Status = cadre.TransferCancelled
		if err == nil {
			own.Status, own.ToCadreID, own.DecidedBy, own.DecidedAt = other.Status, other.ToCadreID, other.DecidedBy, other.DecidedAt
		}
		if _, err := tx.NewUpdate().Model(own).Column("status", "to_cadre_id", "decided_by", "decided_at").WherePK().Exec(ctx); err != nil {
			return nil, nil, false, core.Internal(err, "settle transfer")
		}
		return own, nil, true, nil
	}
	return own, other, false, nil
}

// orNoRows keeps err, or gives sql.ErrNoRows for a row of the wrong side.
func orNoRows(err error) error {
	if err == nil {
		return sql.ErrNoRows
	}
	return err
}

// saveBoth writes the decision columns of both sides.
func saveBoth(ctx context.Context, tx bun.IDB, rows ...*transferRow) error {
	for _, r := range rows {
		if _, err := tx.NewUpdate().Model(r).Column("status", "note", "to_cadre_id", "to_unit_id", "decided_by", "decided_at").
			WherePK().Exec(ctx); err != nil {
			return core.Internal(err, "update transfer")
		}
	}
	return nil
}

// decide closes a pending transfer without moving anything.
func (s *Service) decide(ctx context.Context, tenant, id, side, status, note string) (cadre.Transfer, error) {
	pre, err := s.transferSide(ctx, tenant, id)
	if err != nil {
		return cadre.Transfer{}, err
	}
	var out cadre.Transfer
	settled := false
	err = s.db.ConsolidationTx(ctx, []string{tenant, pre.counterpart()}, func(ctx context.Context, tx bun.Tx) error {
		own, other, done, err := s.lockPair(ctx, tx, tenant, id, side)
		if err != nil || done {
			settled = done
			return err
		}
		now := s.now()
		for _, r := range []*transferRow{own, other} {
			r.Status, r.DecidedBy, r.DecidedAt = status, actor(ctx), &now
			if n := vntext.Clean(note); n != "" {
				r.Note = n
			}
		}
		out = own.transfer()
		return saveBoth(ctx, tx, own, other)
	})
	if err == nil && settled {
		err = errSettled
	}
	return out, err
}

// RejectTransfer is the target tenant declining an incoming cadre.
func (s *Service) RejectTransfer(ctx context.Context, tenant, id, note string) (cadre.Transfer, error) {
	return s.decide(ctx, tenant, id, sideIn, cadre.TransferRejected, note)
}

// CancelTransfer is the source tenant withdrawing its proposal.
func (s *Service) CancelTransfer(ctx context.Context, tenant, id string) (cadre.Transfer, error) {
	return s.decide(ctx, tenant, id, sideOut, cadre.TransferCancelled, "")
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
// that points back at the source record, copies of the position history
// and of the training history (each enrolment keeps the tenant where it was
// earned), and a transfer_in position.
func (s *Service) AcceptTransfer(ctx context.Context, tenant, id string, in AcceptInput) (cadre.Transfer, error) {
	if in.Title != "" {
		if _, ok := s.titles.ByCode(in.Title); !ok {
			return cadre.Transfer{}, core.Invalid("Chức danh không hợp lệ.", core.FieldError{Field: "title", Message: "không có trong danh mục chức danh"})
		}
	}
	// The source tenant is read from the transfer first: the transaction
	// must be scoped to both tenants from its start.
	pre, err := s.transferSide(ctx, tenant, id)
	if err != nil {
		return cadre.Transfer{}, err
	}
	from := pre.FromTenant
	var out cadre.Transfer
	settled := false
	err = s.db.ConsolidationTx(ctx, []string{from, tenant}, func(ctx context.Context, tx bun.Tx) error {
		own, other, done, err := s.lockPair(ctx, tx, tenant, id, sideIn)
		if err != nil || done {
			settled = done
			return err
		}
		if err := s.checkUnitOpen(ctx, tx, tenant, in.UnitID); err != nil {
			return err
		}
		dstID, err := s.moveCadre(ctx, tx, own, in)
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range []*transferRow{own, other} {
			r.Status, r.ToCadreID, r.ToUnitID, r.DecidedBy, r.DecidedAt = cadre.TransferAccepted, dstID, in.UnitID, actor(ctx), &now
		}
		if err := saveBoth(ctx, tx, own, other); err != nil {
			return err
		}
		detail := map[string]any{"transfer": id, "from": from, "to": tenant}
		if err := s.record(ctx, tx, AuditEvent{Tenant: from, Action: "cadre.transfer_out", Object: "cadre", ObjectID: own.FromCadreID, Detail: detail}); err != nil {
			return err
		}
		out = own.transfer()
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.transfer_in", Object: "cadre", ObjectID: dstID, Detail: detail})
	})
	if err == nil && settled {
		err = errSettled
	}
	return out, err
}

// moveCadre makes the target's record and retires the source's; it returns
// the new record's id.
func (s *Service) moveCadre(ctx context.Context, tx bun.IDB, t *transferRow, in AcceptInput) (string, error) {
	from, to := t.FromTenant, t.ToTenant
	src, err := s.loadCadre(ctx, tx, from, t.FromCadreID)
	if err != nil {
		return "", err
	}
	if src.Status != cadre.Active {
		return "", errNotActive
	}
	sens, err := s.open(src)
	if err != nil {
		return "", err
	}
	now := s.now()
	dst := *src
	dst.TenantID, dst.ID, dst.UnitID, dst.Title = to, sqldb.NewID(), in.UnitID, in.Title
	dst.PrevTenant, dst.PrevID, dst.TransferredTo = from, src.ID, ""
	dst.CCCDEnc = s.seal.Seal(fieldCCCD, dst.ID, sens.CCCD)
	dst.EthnicityEnc = s.seal.Seal(fieldEthnicity, dst.ID, sens.Ethnicity)
	dst.ReligionEnc = s.seal.Seal(fieldReligion, dst.ID, sens.Religion)
	dst.CreatedAt, dst.UpdatedAt = now, now
	if err := insertCadre(ctx, tx, &dst); err != nil {
		return "", err
	}
	if err := s.copyPositions(ctx, tx, from, src.ID, dst.ID, to, t.On); err != nil {
		return "", err
	}
	if err := s.copyEnrolments(ctx, tx, from, src.ID, to, dst.ID); err != nil {
		return "", err
	}
	if err := s.closePositions(ctx, tx, from, src.ID, t.On); err != nil {
		return "", err
	}
	for _, p := range []*positionRow{
		{TenantID: from, CadreID: src.ID, Kind: cadre.TransferOut, StartedOn: t.On, EndedOn: t.On, Note: "Chuyển đến " + to},
		{TenantID: to, CadreID: dst.ID, Kind: cadre.TransferIn, UnitID: dst.UnitID, Title: dst.Title, StartedOn: t.On, Note: "Chuyển từ " + from},
	} {
		if err := s.insertPosition(ctx, tx, p); err != nil {
			return "", err
		}
	}
	if _, err := tx.NewUpdate().Model((*planningRow)(nil)).Set("until_on = ?", t.On).
		Where("tenant_id = ? AND cadre_id = ? AND until_on IS NULL", from, src.ID).Exec(ctx); err != nil {
		return "", core.Internal(err, "end planning")
	}
	src.Status, src.TransferredTo, src.LeftOn, src.UpdatedAt = cadre.TransferredOut, to, t.On, now
	if _, err := tx.NewUpdate().Model(src).Column("status", "transferred_to", "left_on", "updated_at").WherePK().Exec(ctx); err != nil {
		return "", core.Internal(err, "mark cadre transferred")
	}
	return dst.ID, nil
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
