package roster

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
)

// enrolmentRow is a row of cadre_enrolments: one training in a cadre's
// history, kept by the tenant the cadre works in.
type enrolmentRow struct {
	bun.BaseModel `bun:"table:cadre_enrolments,alias:e"`

	TenantID      string     `bun:"tenant_id,pk"`
	CadreID       string     `bun:"cadre_id,pk"`
	ID            string     `bun:"id,pk"`
	ProgramCode   string     `bun:"program_code"`
	ProgramName   string     `bun:"program_name"`
	ProgramGroup  string     `bun:"program_group"`
	ClassID       string     `bun:"class_id"`
	Year          int        `bun:"year"`
	StartOn       cadre.Date `bun:"start_on"`
	EndOn         cadre.Date `bun:"end_on"`
	Hours         int        `bun:"hours"`
	Result        string     `bun:"result"`
	CompletedOn   cadre.Date `bun:"completed_on"`
	CertificateNo string     `bun:"certificate_no"`
	OriginTenant  string     `bun:"origin_tenant_id"`
	CreatedAt     time.Time  `bun:"created_at"`
}

func (r *enrolmentRow) enrolment() cadre.Enrolment {
	return cadre.Enrolment{ID: r.ID, CadreID: r.CadreID, ProgramCode: r.ProgramCode, ProgramName: r.ProgramName,
		ProgramGroup: r.ProgramGroup, ClassID: r.ClassID, Year: r.Year, StartOn: r.StartOn, EndOn: r.EndOn,
		Hours: r.Hours, Result: r.Result, CompletedOn: r.CompletedOn, CertificateNo: r.CertificateNo,
		OriginTenant: r.OriginTenant, CreatedAt: r.CreatedAt}
}

// historyOrder is newest first: by year, then start date, then entry.
const historyOrder = "e.year DESC, e.start_on DESC, e.created_at DESC, e.id DESC"

// RecordEnrolment adds a training to a cadre's history, earned in tenant.
// With a class id the class must be one of the tenant's planned classes;
// the programme, year and dates left empty are taken from it. A record
// transferred out is read-only: the training belongs on the new record.
func (s *Service) RecordEnrolment(ctx context.Context, tenant, cadreID string, in cadre.EnrolmentInput) (cadre.Enrolment, error) {
	in.Normalize()
	// Without a class everything can be checked before taking the writer.
	if in.ClassID == "" {
		if err := cadre.AsInvalidEnrolment(in.Validate(cadre.Today())); err != nil {
			return cadre.Enrolment{}, err
		}
	}
	var row *enrolmentRow
	err := s.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		c, err := s.loadCadre(ctx, tx, tenant, cadreID)
		if err != nil {
			return err
		}
		if c.Status == cadre.TransferredOut {
			return errNotActive
		}
		if in.ClassID != "" {
			if err := fillFromClass(ctx, tx, tenant, &in); err != nil {
				return err
			}
			if err := cadre.AsInvalidEnrolment(in.Validate(cadre.Today())); err != nil {
				return err
			}
		}
		row = &enrolmentRow{TenantID: tenant, CadreID: cadreID, ID: sqldb.NewID(), ProgramCode: in.ProgramCode,
			ProgramName: in.ProgramName, ProgramGroup: in.ProgramGroup, ClassID: in.ClassID, Year: in.Year,
			StartOn: in.StartOn, EndOn: in.EndOn, Hours: in.Hours, Result: in.Result, CompletedOn: in.CompletedOn,
			CertificateNo: in.CertificateNo, OriginTenant: tenant, CreatedAt: s.now()}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return core.Internal(err, "insert enrolment")
		}
		return nil
	})
	if err != nil {
		return cadre.Enrolment{}, err
	}
	return row.enrolment(), nil
}

// fillFromClass checks that the class is one of the tenant's planned
// classes and fills the programme, year and dates the input left empty.
// The class is read from core/plan's tables (plan_classes, plans) by the
// tenant, like any other read of the tenant's data.
func fillFromClass(ctx context.Context, tx bun.IDB, tenant string, in *cadre.EnrolmentInput) error {
	var cl struct {
		ProgramCode  string     `bun:"program_code"`
		ProgramName  string     `bun:"program_name"`
		ProgramGroup string     `bun:"program_group"`
		StartDate    cadre.Date `bun:"start_date"`
		EndDate      cadre.Date `bun:"end_date"`
		Year         int        `bun:"year"`
	}
	err := tx.NewSelect().TableExpr("plan_classes AS pc").Join("JOIN plans AS p ON p.tenant_id = pc.tenant_id AND p.id = pc.plan_id").
		ColumnExpr("pc.program_code, pc.program_name, pc.program_group, pc.start_date, pc.end_date, p.year").
		Where("pc.tenant_id = ? AND pc.id = ?", tenant, in.ClassID).Scan(ctx, &cl)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return core.Invalid("Lớp bồi dưỡng không tồn tại.", core.FieldError{Field: "class_id", Message: "không có lớp này trong kế hoạch của đơn vị"})
		}
		return core.Internal(err, "read class")
	}
	if in.ProgramCode == "" && in.ProgramName == "" && in.ProgramGroup == "" {
		in.ProgramCode, in.ProgramName, in.ProgramGroup = cl.ProgramCode, cl.ProgramName, cl.ProgramGroup
	}
	if in.Year == 0 {
		in.Year = cl.Year
	}
	if in.StartOn.IsZero() && in.EndOn.IsZero() {
		in.StartOn, in.EndOn = cl.StartDate, cl.EndDate
	}
	return nil
}

// Enrolments returns a cadre's training history, newest first: what the
// cadre earned in this tenant and, for a cadre who came by transfer, the
// copies of what was earned before (OriginTenant says where).
func (s *Service) Enrolments(ctx context.Context, tenant, cadreID string) ([]cadre.Enrolment, error) {
	var rows []enrolmentRow
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if ok, err := q.NewSelect().Model((*cadreRow)(nil)).Where("tenant_id = ? AND id = ?", tenant, cadreID).Exists(ctx); err != nil {
			return core.Internal(err, "read cadre")
		} else if !ok {
			return errCadreNotFound
		}
		if err := q.NewSelect().Model(&rows).Where("e.tenant_id = ? AND e.cadre_id = ?", tenant, cadreID).
			OrderExpr(historyOrder).Scan(ctx); err != nil {
			return core.Internal(err, "read enrolments")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]cadre.Enrolment, len(rows))
	for i := range rows {
		out[i] = rows[i].enrolment()
	}
	return out, nil
}

// copyEnrolments gives the receiving tenant's new record a copy of the
// sender's training history, inside the transfer's transaction. Each copy
// keeps its origin tenant (and so its class id, which names a class of that
// tenant) and its entry time; only the tenant, cadre and id change.
func (s *Service) copyEnrolments(ctx context.Context, tx bun.IDB, from, srcID, to, dstID string) error {
	var rows []enrolmentRow
	if err := tx.NewSelect().Model(&rows).Where("e.tenant_id = ? AND e.cadre_id = ?", from, srcID).
		OrderExpr("e.created_at, e.id").Scan(ctx); err != nil {
		return core.Internal(err, "read enrolments")
	}
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		rows[i].TenantID, rows[i].CadreID, rows[i].ID = to, dstID, sqldb.NewID()
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return core.Internal(err, "copy enrolments")
	}
	return nil
}
