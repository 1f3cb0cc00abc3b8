package program

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
)

// This file is what the workflow engine calls for the "program" subject
// (configs/workflows/program_variant.yaml, which central drafts follow too):
// the workflow name, the facts it shows, the status mirror, the
// variant_valid guard and the snapshot_version effect.

// WorkflowName is the definition variants run through.
const WorkflowName = "program_variant"

// WorkflowInfo is what the engine needs to know of a programme.
type WorkflowInfo struct {
	Workflow string
	Title    string
	Status   string
	AuthorID string
	Link     string
}

// ForWorkflow returns the workflow facts of tenant's own programme id, read
// in the engine's transaction. A variant always has a workflow; so does a
// central programme the central office drafts (it too is reviewed and
// appraised before publication). The catalogue loaded by the seed, published
// without ever being submitted, has none: ENOTFOUND.
func (s *Service) ForWorkflow(ctx context.Context, q bun.IDB, tenant, id string) (WorkflowInfo, error) {
	p, err := own(ctx, q, tenant, id)
	if err != nil {
		return WorkflowInfo{}, err
	}
	if !p.IsVariant() && (p.Status == StatusPublished || p.Status == StatusRetired) {
		n, err := q.NewSelect().Model((*Version)(nil)).Where("tenant_id = ? AND program_id = ?", tenant, id).Count(ctx)
		if err != nil {
			return WorkflowInfo{}, core.Internal(err, "count program versions")
		}
		if n == 0 {
			return WorkflowInfo{}, errNotFound
		}
	}
	return WorkflowInfo{Workflow: WorkflowName, Title: p.Code + " — " + p.Name, Status: p.Status,
		AuthorID: p.CreatedBy, Link: "/t/" + tenant + "/programs/" + p.ID}, nil
}

// own loads a programme that tenant owns (not the central catalogue).
func own(ctx context.Context, q bun.IDB, tenant, id string) (*Program, error) {
	var p Program
	err := q.NewSelect().Model(&p).Where("p.tenant_id = ? AND p.id = ?", tenant, id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	} else if err != nil {
		return nil, core.Internal(err, "load program")
	}
	p.Source = SourceCatalog
	return &p, nil
}

var validStatus = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

// SetStatus mirrors the workflow state onto tenant's programme inside the
// engine's transaction. The engine owns the states (draft, central_review,
// appraisal, returned, published, rejected in the shipped definition) and
// their optimistic locking; this only records the name.
func (s *Service) SetStatus(ctx context.Context, tx bun.Tx, tenant, id, status string) error {
	if !validStatus.MatchString(status) {
		return fmt.Errorf("set program status: invalid status %q", status)
	}
	res, err := tx.NewUpdate().Model((*Program)(nil)).
		Set("status = ?", status).Set("updated_at = ?", s.now()).
		Where("tenant_id = ? AND id = ?", tenant, id).Exec(ctx)
	if err != nil {
		return core.Internal(err, "set program status")
	}
	if n, err := res.RowsAffected(); err != nil {
		return core.Internal(err, "set program status")
	} else if n == 0 {
		return errNotFound
	}
	return nil
}

// ValidateVariant is the variant_valid guard: the programme's (a variant's
// or a central draft's) fields are complete and valid (field-level errors
// otherwise).
func (s *Service) ValidateVariant(ctx context.Context, tx bun.Tx, tenant, id string) error {
	p, err := own(ctx, tx, tenant, id)
	if err != nil {
		return err
	}
	var ts []Title
	if err := tx.NewSelect().Model(&ts).Scan(ctx); err != nil {
		return core.Internal(err, "load titles")
	}
	titles := make(map[string]Title, len(ts))
	for _, t := range ts {
		titles[t.Code] = t
	}
	return validate(p, titles)
}

// Version is one kept version of a programme as it was submitted.
type Version struct {
	bun.BaseModel `bun:"table:program_versions,alias:v"`

	TenantID    string          `bun:"tenant_id,pk" json:"-"`
	ProgramID   string          `bun:"program_id,pk" json:"program_id"`
	Version     int             `bun:"version,pk" json:"version"`
	ContentHash string          `bun:"content_hash,notnull" json:"content_hash"`
	Snapshot    json.RawMessage `bun:"snapshot,type:jsonb,notnull" json:"snapshot,omitempty"`
	CreatedBy   string          `bun:"created_by,notnull" json:"created_by"`
	CreatedAt   time.Time       `bun:"created_at,notnull" json:"created_at"`
}

// Snapshot is the snapshot_version effect: it keeps the variant as it is now
// and returns its version number. A variant submitted again with changes
// gets the next version; submitted again unchanged, it keeps its number (so
// calling Snapshot twice for one submission is harmless).
func (s *Service) Snapshot(ctx context.Context, tx bun.Tx, tenant, id string) (int, error) {
	p, err := own(ctx, tx, tenant, id)
	if err != nil {
		return 0, err
	}
	content, err := json.Marshal(struct {
		Name, NameEN, Group, Assessment string
		Audience                        Audience
		Modules                         []Module
		Base                            string
	}{p.Name, p.NameEN, p.Group, p.Assessment, p.Audience, p.Modules, p.BaseProgramID})
	if err != nil {
		return 0, fmt.Errorf("encode program content: %w", err)
	}
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])
	var last Version
	err = tx.NewSelect().Model(&last).Column("version", "content_hash").
		Where("tenant_id = ? AND program_id = ?", tenant, id).OrderExpr("version DESC").Limit(1).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, core.Internal(err, "load program versions")
	case last.ContentHash == hash:
		return last.Version, nil
	default:
		p.Version = last.Version + 1
		p.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(p).WherePK().Column("version", "updated_at").Exec(ctx); err != nil {
			return 0, core.Internal(err, "bump program version")
		}
	}
	full, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("encode program snapshot: %w", err)
	}
	v := &Version{TenantID: tenant, ProgramID: id, Version: p.Version, ContentHash: hash, Snapshot: full,
		CreatedBy: principal(ctx), CreatedAt: s.now()}
	if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
		return 0, core.Internal(err, "insert program version")
	}
	return p.Version, nil
}

// Versions lists the kept versions of tenant's programme (without bodies).
func (s *Service) Versions(ctx context.Context, tenant, id string) ([]Version, error) {
	var vs []Version
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		if _, err := own(ctx, q, tenant, id); err != nil {
			return err
		}
		return q.NewSelect().Model(&vs).Column("program_id", "version", "content_hash", "created_by", "created_at").
			Where("tenant_id = ? AND program_id = ?", tenant, id).Order("version").Scan(ctx)
	})
	if err != nil && core.ErrorCode(err) == core.EINTERNAL {
		return nil, core.Internal(err, "list program versions")
	}
	return vs, err
}

// GetVersion returns one kept version with its snapshot.
func (s *Service) GetVersion(ctx context.Context, tenant, id string, version int) (*Version, error) {
	var v Version
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&v).Where("tenant_id = ? AND program_id = ? AND version = ?", tenant, id, version).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy phiên bản %d của chương trình.", version)
	} else if err != nil {
		return nil, core.Internal(err, "get program version")
	}
	return &v, nil
}

// ForWorkflowMany is ForWorkflow for many programmes at once (the inbox):
// one query, keyed tenant + "/" + id; programmes not found are absent.
func (s *Service) ForWorkflowMany(ctx context.Context, q bun.IDB, tenants, ids []string) (map[string]WorkflowInfo, error) {
	out := make(map[string]WorkflowInfo, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var ps []Program
	if err := q.NewSelect().Model(&ps).Column("tenant_id", "id", "code", "name", "status", "created_by").
		Where("p.tenant_id IN (?) AND p.id IN (?)", bun.In(tenants), bun.In(ids)).Scan(ctx); err != nil {
		return nil, core.Internal(err, "load programs")
	}
	for _, p := range ps {
		out[p.TenantID+"/"+p.ID] = WorkflowInfo{Workflow: WorkflowName, Title: p.Code + " — " + p.Name, Status: p.Status,
			AuthorID: p.CreatedBy, Link: "/t/" + p.TenantID + "/programs/" + p.ID}
	}
	return out, nil
}
