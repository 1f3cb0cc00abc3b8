package roster

import (
	"context"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// Prepared is a cadre ready to store: texts normalised, search and sort
// columns computed, sensitive fields sealed for its id. The import pipeline
// stages rows in this form, so committing them is a plain copy.
type Prepared struct {
	ID, FullName, NameFold, SortKey    string
	BirthDate                          cadre.Date
	Gender, Phone, Email, UnitID       string
	Title, Employment                  string
	CCCDEnc, EthnicityEnc, ReligionEnc []byte
	CCCDHash                           string
}

// Prepare computes the stored form of a normalised, validated input.
func (s *Service) Prepare(id string, in *cadre.CadreInput) Prepared {
	p := Prepared{
		ID: id, FullName: in.FullName, NameFold: vntext.SearchForm(in.FullName), SortKey: vntext.NameKey(in.FullName),
		BirthDate: in.BirthDate, Gender: in.Gender, Phone: in.Phone, Email: in.Email, UnitID: in.UnitID,
		Title: in.Title, Employment: in.Employment,
	}
	if in.CCCD != nil {
		p.CCCDEnc = s.seal.Seal(fieldCCCD, id, *in.CCCD)
		p.CCCDHash = s.seal.Index(*in.CCCD)
	}
	if in.Ethnicity != nil {
		p.EthnicityEnc = s.seal.Seal(fieldEthnicity, id, *in.Ethnicity)
	}
	if in.Religion != nil {
		p.ReligionEnc = s.seal.Seal(fieldReligion, id, *in.Religion)
	}
	return p
}

func (p Prepared) row(tenant string) *cadreRow {
	return &cadreRow{
		TenantID: tenant, ID: p.ID, FullName: p.FullName, NameFold: p.NameFold, SortKey: p.SortKey,
		BirthDate: p.BirthDate, Gender: p.Gender, Phone: p.Phone, Email: p.Email, UnitID: p.UnitID,
		Title: p.Title, Employment: p.Employment, Status: cadre.Active,
		CCCDEnc: p.CCCDEnc, CCCDHash: p.CCCDHash, EthnicityEnc: p.EthnicityEnc, ReligionEnc: p.ReligionEnc,
	}
}

var errCCCDTaken = core.Invalid("Số CCCD đã có trong danh sách cán bộ.",
	core.FieldError{Field: cadre.FCCCD, Message: "đã có cán bộ đang công tác với số CCCD này"})

// CreateCadre adds a cadre and the first entry of the position history.
func (s *Service) CreateCadre(ctx context.Context, tenant string, in cadre.CadreInput) (cadre.Cadre, error) {
	in.Normalize()
	if err := cadre.AsInvalid(in.Validate(s.titles, cadre.Today())); err != nil {
		return cadre.Cadre{}, err
	}
	now := s.now()
	row := s.Prepare(sqldb.NewID(), &in).row(tenant)
	row.CreatedAt, row.UpdatedAt = now, now
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := s.checkUnitOpen(ctx, tx, tenant, row.UnitID); err != nil {
			return err
		}
		if err := insertCadre(ctx, tx, row); err != nil {
			return err
		}
		return s.insertPosition(ctx, tx, &positionRow{TenantID: tenant, CadreID: row.ID, Kind: cadre.Appointed,
			UnitID: row.UnitID, Title: row.Title, StartedOn: in.PositionSince})
	})
	if err != nil {
		return cadre.Cadre{}, err
	}
	return row.cadre(), nil
}

func insertCadre(ctx context.Context, tx bun.IDB, row *cadreRow) error {
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		if sqldb.IsUniqueViolation(err) {
			return errCCCDTaken
		}
		return core.Internal(err, "insert cadre")
	}
	return nil
}

// checkUnitOpen checks that a unit exists in the tenant and has not ended.
func (s *Service) checkUnitOpen(ctx context.Context, tx bun.IDB, tenant, unitID string) error {
	var u unitRow
	err := tx.NewSelect().Model(&u).Column("valid_from", "valid_to").Where("tenant_id = ? AND id = ?", tenant, unitID).Scan(ctx)
	if err != nil {
		if notFound(err, errUnitNotFound, "read unit") == errUnitNotFound {
			return core.Invalid("Đơn vị không tồn tại.", core.FieldError{Field: cadre.FUnit, Message: "không có đơn vị này"})
		}
		return core.Internal(err, "read unit")
	}
	if !u.ValidTo.IsZero() && u.ValidTo.Before(cadre.Today()) {
		return core.Invalid("Đơn vị đã ngừng hoạt động.", core.FieldError{Field: cadre.FUnit,
			Message: "đơn vị đã ngừng hoạt động từ " + u.ValidTo.VN()})
	}
	return nil
}

// GetCadre returns one cadre (without the sensitive fields).
func (s *Service) GetCadre(ctx context.Context, tenant, id string) (cadre.Cadre, error) {
	var row cadreRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if err != nil {
		return cadre.Cadre{}, notFound(err, errCadreNotFound, "read cadre")
	}
	return row.cadre(), nil
}

// loadCadre reads and, on PostgreSQL, locks a cadre in a write transaction.
func (s *Service) loadCadre(ctx context.Context, tx bun.IDB, tenant, id string) (*cadreRow, error) {
	row := new(cadreRow)
	q := tx.NewSelect().Model(row).Where("tenant_id = ? AND id = ?", tenant, id)
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, notFound(err, errCadreNotFound, "read cadre")
	}
	return row, nil
}

var errNotActive = core.Errorf(core.ECONFLICT, "Cán bộ không còn công tác tại đơn vị (đã nghỉ hoặc đã chuyển đi); hồ sơ chỉ được xem.")

// UpdateCadre changes a cadre. Sensitive fields left out (nil) keep their
// value. A change of unit or title is recorded in the position history as a
// move dated today.
func (s *Service) UpdateCadre(ctx context.Context, tenant, id string, in cadre.CadreInput) (cadre.Cadre, error) {
	in.Normalize()
	if err := cadre.AsInvalid(in.Validate(s.titles, cadre.Today())); err != nil {
		return cadre.Cadre{}, err
	}
	var out cadre.Cadre
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadCadre(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if row.Status != cadre.Active {
			return errNotActive
		}
		moved := row.UnitID != in.UnitID || row.Title != in.Title
		if row.UnitID != in.UnitID {
			if err := s.checkUnitOpen(ctx, tx, tenant, in.UnitID); err != nil {
				return err
			}
		}
		p := s.Prepare(id, &in)
		row.FullName, row.NameFold, row.SortKey = p.FullName, p.NameFold, p.SortKey
		row.BirthDate, row.Gender, row.Phone, row.Email = p.BirthDate, p.Gender, p.Phone, p.Email
		row.UnitID, row.Title, row.Employment = p.UnitID, p.Title, p.Employment
		if in.CCCD != nil {
			row.CCCDEnc, row.CCCDHash = p.CCCDEnc, p.CCCDHash
		}
		if in.Ethnicity != nil {
			row.EthnicityEnc = p.EthnicityEnc
		}
		if in.Religion != nil {
			row.ReligionEnc = p.ReligionEnc
		}
		row.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(row).WherePK().Exec(ctx); err != nil {
			if sqldb.IsUniqueViolation(err) {
				return errCCCDTaken
			}
			return core.Internal(err, "update cadre")
		}
		if moved {
			today := cadre.Today()
			if err := s.closePositions(ctx, tx, tenant, id, today); err != nil {
				return err
			}
			if err := s.insertPosition(ctx, tx, &positionRow{TenantID: tenant, CadreID: id, Kind: cadre.Moved,
				UnitID: row.UnitID, Title: row.Title, StartedOn: today}); err != nil {
				return err
			}
		}
		out = row.cadre()
		return nil
	})
	return out, err
}

// DeleteCadre removes a record created by mistake, with its history. A
// cadre who worked and left is ended with a "left" position instead; a
// record that took part in a transfer cannot be deleted. The deletion is
// audit-logged.
func (s *Service) DeleteCadre(ctx context.Context, tenant, id string) error {
	return s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadCadre(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		moved, err := tx.NewSelect().Model((*transferRow)(nil)).
			Where("tenant_id = ? AND (from_cadre_id = ? OR to_cadre_id = ?)", tenant, id, id).Exists(ctx)
		if err != nil {
			return core.Internal(err, "check transfers")
		}
		if moved || row.PrevID != "" {
			return core.Errorf(core.ECONFLICT, "Cán bộ đã có hồ sơ chuyển công tác nên không thể xóa.")
		}
		for _, m := range []any{(*positionRow)(nil), (*planningRow)(nil), (*enrolmentRow)(nil)} {
			if _, err := tx.NewDelete().Model(m).Where("tenant_id = ? AND cadre_id = ?", tenant, id).Exec(ctx); err != nil {
				return core.Internal(err, "delete cadre history")
			}
		}
		if _, err := tx.NewDelete().Model((*cadreRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx); err != nil {
			return core.Internal(err, "delete cadre")
		}
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.delete", Object: "cadre", ObjectID: id,
			Detail: map[string]any{"unit_id": row.UnitID}})
	})
}

// ReadSensitive decrypts a cadre's CCCD, ethnicity and religion and records
// the read in the audit log, in the same transaction: no read without its
// audit row.
func (s *Service) ReadSensitive(ctx context.Context, tenant, id string) (cadre.Sensitive, error) {
	var out cadre.Sensitive
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var row cadreRow
		err := tx.NewSelect().Model(&row).Column("id", "cccd_enc", "ethnicity_enc", "religion_enc").
			Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
		if err != nil {
			return notFound(err, errCadreNotFound, "read cadre")
		}
		if out, err = s.open(&row); err != nil {
			return err
		}
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.read_sensitive", Object: "cadre", ObjectID: id,
			Detail: map[string]any{"fields": []string{fieldCCCD, fieldEthnicity, fieldReligion}}})
	})
	return out, err
}

func (s *Service) open(row *cadreRow) (cadre.Sensitive, error) {
	var out cadre.Sensitive
	var err error
	for _, f := range []struct {
		name string
		enc  []byte
		dst  *string
	}{{fieldCCCD, row.CCCDEnc, &out.CCCD}, {fieldEthnicity, row.EthnicityEnc, &out.Ethnicity}, {fieldReligion, row.ReligionEnc, &out.Religion}} {
		if *f.dst, err = s.seal.Open(f.name, row.ID, f.enc); err != nil {
			return out, core.Internal(err, "decrypt cadre")
		}
	}
	return out, nil
}

// LookupCCCD finds the cadres (any status) with exactly this CCCD, through
// its keyed hash; the lookup is audit-logged like a sensitive read.
func (s *Service) LookupCCCD(ctx context.Context, tenant, cccd string) ([]cadre.Cadre, error) {
	c := cadre.CleanCCCD(cccd)
	for _, p := range cadre.CheckCCCD(c, cadre.Date{}, "") {
		if !p.Warning {
			return nil, cadre.AsInvalid([]cadre.Problem{p})
		}
	}
	var rows []cadreRow
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&rows).Where("tenant_id = ? AND cccd_hash = ?", tenant, s.seal.Index(c)).
			OrderExpr("created_at").Scan(ctx); err != nil {
			return core.Internal(err, "lookup cccd")
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		return s.record(ctx, tx, AuditEvent{Tenant: tenant, Action: "cadre.lookup_cccd", Object: "cadre",
			Detail: map[string]any{"found": ids}})
	})
	if err != nil {
		return nil, err
	}
	out := make([]cadre.Cadre, len(rows))
	for i := range rows {
		out[i] = rows[i].cadre()
	}
	return out, nil
}
