package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// This file is what the workflow engine calls for the "plan" subject
// (configs/workflows/annual_plan.yaml): the workflow name and facts, the
// status mirror, the plan_valid guard (ValidateForSubmit; plan_rules is
// CheckRules) and the snapshot_version effect.

// WorkflowName is the definition plans run through.
const WorkflowName = "annual_plan"

// WorkflowInfo is what the engine needs to know of a plan.
type WorkflowInfo struct {
	Workflow string
	Title    string
	Status   string
	AuthorID string
	Link     string
}

// ForWorkflow returns the workflow facts of tenant's plan id, read in the
// engine's transaction. Sub-plans have no workflow of their own (they are
// approved with the plan they roll into): ENOTFOUND.
func (s *Service) ForWorkflow(ctx context.Context, q bun.IDB, tenant, id string) (WorkflowInfo, error) {
	p, err := load(ctx, q, tenant, id)
	if err != nil {
		return WorkflowInfo{}, err
	}
	if p.IsSubPlan() {
		return WorkflowInfo{}, core.Errorf(core.ENOTFOUND, "Kế hoạch con được duyệt cùng kế hoạch của đơn vị.")
	}
	return WorkflowInfo{Workflow: WorkflowName, Title: p.Title, Status: p.Status, AuthorID: p.CreatedBy,
		Link: "/t/" + tenant + "/plans/" + p.ID}, nil
}

var validStatus = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

// SetStatus mirrors the workflow state onto tenant's plan inside the
// engine's transaction (the engine owns states and optimistic locking).
func (s *Service) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	if !validStatus.MatchString(status) {
		return fmt.Errorf("set plan status: invalid status %q", status)
	}
	res, err := tx.NewUpdate().Model((*Plan)(nil)).Set("status = ?", status).Set("updated_at = ?", s.now()).
		Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
	if err != nil {
		return core.Internal(err, "set plan status")
	}
	if n, err := res.RowsAffected(); err != nil {
		return core.Internal(err, "set plan status")
	} else if n == 0 {
		return errNotFound
	}
	return nil
}

// ValidateForSubmit is the plan_valid guard: an annual plan needs at least
// one class and every class its budget lines; a period plan needs targets.
// Each problem is a field error naming the class by its number.
func (s *Service) ValidateForSubmit(ctx context.Context, tx bun.Tx, tenant, id string) error {
	v, err := s.build(ctx, tx, tenant, id)
	if err != nil {
		return err
	}
	var fs []core.FieldError
	switch v.Kind {
	case KindPeriod:
		if len(v.Targets) == 0 {
			fs = append(fs, core.FieldError{Field: "targets", Message: "Kế hoạch giai đoạn chưa có chỉ tiêu."})
		}
	case KindAnnual:
		if len(v.Classes) == 0 && len(v.SubPlans) == 0 {
			fs = append(fs, core.FieldError{Field: "classes", Message: "Kế hoạch chưa có lớp bồi dưỡng nào."})
		}
		for _, c := range v.Classes {
			f := fmt.Sprintf("classes[%d]", c.Seq)
			if c.StartDate.Year() != v.Year || c.EndDate.Year() != v.Year {
				fs = append(fs, core.FieldError{Field: f + ".start_date", Message: fmt.Sprintf("Lớp %d không nằm trong năm kế hoạch %d.", c.Seq, v.Year)})
			}
			if c.Learners <= 0 {
				fs = append(fs, core.FieldError{Field: f + ".learners", Message: fmt.Sprintf("Lớp %d chưa có số học viên dự kiến.", c.Seq)})
			}
			if len(c.Lines) == 0 {
				fs = append(fs, core.FieldError{Field: f + ".lines", Message: fmt.Sprintf("Lớp %d chưa có dự toán kinh phí.", c.Seq)})
			}
		}
	}
	if len(fs) > 0 {
		return core.Invalid("Kế hoạch chưa đủ điều kiện gửi duyệt.", fs...)
	}
	return nil
}

// Version is one kept version of a plan: the whole plan (classes, lines,
// totals, sub-plan totals, targets) as it was submitted.
type Version struct {
	bun.BaseModel `bun:"table:plan_versions,alias:v"`

	TenantID    string          `bun:"tenant_id,pk" json:"-"`
	PlanID      string          `bun:"plan_id,pk" json:"plan_id"`
	Version     int             `bun:"version,pk" json:"version"`
	ContentHash string          `bun:"content_hash,notnull" json:"content_hash"`
	Snapshot    json.RawMessage `bun:"snapshot,type:jsonb,notnull" json:"snapshot,omitempty"`
	CreatedBy   string          `bun:"created_by,notnull" json:"created_by"`
	CreatedAt   time.Time       `bun:"created_at,notnull" json:"created_at"`
}

// Snapshot is the snapshot_version effect, run in the engine's transaction
// when a plan is submitted: it stores the plan as it is now and returns its
// version number. The first submission is version 1. A later submission
// becomes the next version when the plan changed since the last snapshot or
// comes back from revision (status "returned": the engine runs effects
// before mirroring the new state); calling Snapshot again for the same
// submission returns the same number.
func (s *Service) Snapshot(ctx context.Context, tx bun.Tx, tenant, id string) (int, error) {
	v, err := s.build(ctx, tx, tenant, id)
	if err != nil {
		return 0, err
	}
	hash, err := contentHash(v)
	if err != nil {
		return 0, err
	}
	var last Version
	err = tx.NewSelect().Model(&last).Column("version", "content_hash").
		Where("tenant_id = ? AND plan_id = ?", tenant, id).OrderExpr("version DESC").Limit(1).Scan(ctx)
	switch {
	case isNoRows(err):
	case err != nil:
		return 0, core.Internal(err, "load plan versions")
	case last.ContentHash == hash && v.Status != StatusReturned:
		return last.Version, nil
	default:
		v.Version = last.Version + 1
		v.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(&v.Plan).WherePK().Column("version", "updated_at").Exec(ctx); err != nil {
			return 0, core.Internal(err, "bump plan version")
		}
	}
	body, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode plan snapshot: %w", err)
	}
	row := &Version{TenantID: tenant, PlanID: id, Version: v.Version, ContentHash: hash, Snapshot: body,
		CreatedBy: principal(ctx), CreatedAt: s.now()}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return 0, core.Internal(err, "insert plan version")
	}
	return v.Version, nil
}

// contentHash fingerprints what a reviewer reads in a plan: everything but
// status, version, ids of lines (new on every recomputation) and timestamps.
func contentHash(v *View) (string, error) {
	c := *v
	c.Status, c.Version, c.CreatedAt, c.UpdatedAt = "", 0, time.Time{}, time.Time{}
	c.Classes = make([]ClassView, len(v.Classes))
	for i, cv := range v.Classes {
		cv.CreatedAt, cv.UpdatedAt = time.Time{}, time.Time{}
		lines := make([]budgetLineContent, len(cv.Lines))
		for j, l := range cv.Lines {
			lines[j] = budgetLineContent{l.Item, l.Description, l.Rank, l.Unit, l.Quantity, l.UnitAmount, l.ComputedAmount,
				l.OverrideAmount, l.OverrideReason, l.Amount, l.FundingSource, l.Source}
		}
		cv.Lines = nil
		b, err := json.Marshal(struct {
			C ClassView
			L []budgetLineContent
		}{cv, lines})
		if err != nil {
			return "", fmt.Errorf("encode class content: %w", err)
		}
		c.Classes[i] = ClassView{Class: Class{ID: cv.ID, Note: string(b)}}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode plan content: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

type budgetLineContent struct {
	Item, Description, Rank, Unit        string
	Quantity, UnitAmount, ComputedAmount int64
	OverrideAmount                       *int64
	OverrideReason                       string
	Amount                               int64
	FundingSource, Source                string
}

// Versions lists the kept versions of tenant's plan (without bodies).
func (s *Service) Versions(ctx context.Context, tenant, id string) ([]Version, error) {
	vs := []Version{}
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if _, err := load(ctx, q, tenant, id); err != nil {
			return err
		}
		if err := q.NewSelect().Model(&vs).Column("plan_id", "version", "content_hash", "created_by", "created_at").
			Where("tenant_id = ? AND plan_id = ?", tenant, id).Order("version").Scan(ctx); err != nil {
			return core.Internal(err, "list plan versions")
		}
		return nil
	})
	return vs, err
}

// GetVersion returns one kept version with its snapshot.
func (s *Service) GetVersion(ctx context.Context, tenant, id string, version int) (*Version, error) {
	var v Version
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&v).Where("tenant_id = ? AND plan_id = ? AND version = ?", tenant, id, version).Scan(ctx)
	})
	if isNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy phiên bản %d của kế hoạch.", version)
	} else if err != nil {
		return nil, core.Internal(err, "get plan version")
	}
	return &v, nil
}

// ForWorkflowMany is ForWorkflow for many plans at once (the inbox lists
// hundreds): one query, whatever their number. Plans not found are absent
// from the result, keyed tenant + "/" + id.
func (s *Service) ForWorkflowMany(ctx context.Context, q bun.IDB, tenants, ids []string) (map[string]WorkflowInfo, error) {
	out := make(map[string]WorkflowInfo, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var ps []Plan
	if err := q.NewSelect().Model(&ps).Column("tenant_id", "id", "title", "status", "created_by").
		Where("pl.tenant_id IN (?) AND pl.id IN (?)", bun.In(tenants), bun.In(ids)).Scan(ctx); err != nil {
		return nil, core.Internal(err, "load plans")
	}
	for _, p := range ps {
		out[p.TenantID+"/"+p.ID] = WorkflowInfo{Workflow: WorkflowName, Title: p.Title, Status: p.Status, AuthorID: p.CreatedBy,
			Link: "/t/" + p.TenantID + "/plans/" + p.ID}
	}
	return out, nil
}
