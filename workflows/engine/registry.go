package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/workflows/definition"
)

// Catalog lists what definitions may refer to. Permissions are Casbin
// object.action pairs; roles are the role templates.
var Catalog = definition.Catalog{
	Subjects: []string{"plan", "budget", "program"},
	Permissions: []string{
		"plan.submit", "plan.approve", "plan.record_decision", "plan.review", "plan.return", "plan.reject",
		"budget.consolidate", "budget.approve", "program.submit", "program.review", "program.appraise",
	},
	Roles: []string{"central_admin", "central_reviewer", "central_viewer", "tenant_admin", "planner",
		"approver", "committee_recorder", "lecturer", "learner", "auditor"},
	Guards: []string{"plan_valid", "plan_rules", "decision_fields", "budget_compiled", "sent_fields",
		"variant_valid", "appraisal_fields"},
	Effects: []string{"snapshot_version", "notify_assignees", "notify_author", "recompute_consolidation", "publish_variant"},
	Fields: []string{"decision_number", "decision_date", "decision_pdf", "sent_number", "sent_date",
		"appraisal_number", "appraisal_date"},
}

// registry holds parsed definitions by row id; rows never change, so the
// cache never goes stale.
type registry struct {
	db   *sqldb.DB
	mu   sync.RWMutex
	byID map[string]*definition.Definition
}

func newRegistry(db *sqldb.DB) *registry {
	return &registry{db: db, byID: map[string]*definition.Definition{}}
}

// SyncShipped records each shipped definition; a changed file becomes a new
// version, an unchanged one changes nothing.
func (r *registry) SyncShipped(ctx context.Context, fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("read workflow definitions: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		src, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("read %s: %w", e.Name(), err)
		}
		d, probs := definition.Parse(src, Catalog)
		if probs != nil {
			return fmt.Errorf("shipped workflow %s is invalid:\n%w", e.Name(), probs)
		}
		if _, err := r.save(ctx, ShippedTenant, "", d); err != nil {
			return err
		}
	}
	return nil
}

// rows lists the stored versions of name for tenant (ShippedTenant: the
// shipped ones), newest first.
func rows(ctx context.Context, q bun.IDB, tenant, name string) ([]definitionRow, error) {
	var out []definitionRow
	if tenant == ShippedTenant {
		q := q.NewSelect().Model(&out).OrderExpr("version DESC")
		if name != "" {
			q = q.Where("name = ?", name)
		}
		if err := q.Scan(ctx); err != nil {
			return nil, fmt.Errorf("load definitions: %w", err)
		}
		for i := range out {
			out[i].TenantID = ShippedTenant
		}
		return out, nil
	}
	var os []overrideRow
	sel := q.NewSelect().Model(&os).Where("tenant_id = ?", tenant).OrderExpr("version DESC")
	if name != "" {
		sel = sel.Where("name = ?", name)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("load definitions: %w", err)
	}
	for _, o := range os {
		out = append(out, o.row())
	}
	return out, nil
}

// save stores d as the next version for tenant unless the same content is
// already stored; it returns the row id.
func (r *registry) save(ctx context.Context, tenant, actor string, d *definition.Definition) (string, error) {
	var id string
	txTenant := tenant
	if tenant == ShippedTenant {
		txTenant = core.CentralTenant // shipped definitions are platform rows; any scope will do
	}
	err := r.db.TenantTx(ctx, txTenant, func(ctx context.Context, tx bun.Tx) error {
		existing, err := rows(ctx, tx, tenant, d.Name)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.Hash == d.Hash {
				id = e.ID
				return nil
			}
		}
		version := 1
		if len(existing) > 0 {
			version = existing[0].Version + 1
		}
		id = sqldb.NewID()
		now := time.Now().UTC()
		var model any = &definitionRow{ID: id, Name: d.Name, Version: version, Hash: d.Hash, Source: string(d.Source), CreatedAt: now}
		if tenant != ShippedTenant {
			model = &overrideRow{ID: id, TenantID: tenant, Name: d.Name, Version: version, Hash: d.Hash,
				Source: string(d.Source), CreatedBy: actor, CreatedAt: now}
		}
		if _, err := tx.NewInsert().Model(model).Exec(ctx); err != nil {
			return fmt.Errorf("save definition %s: %w", d.Name, err)
		}
		return nil
	})
	return id, err
}

// get returns a parsed definition by row id (shipped, or an override visible in q).
func (r *registry) get(ctx context.Context, q bun.IDB, id string) (*definition.Definition, error) {
	r.mu.RLock()
	d := r.byID[id]
	r.mu.RUnlock()
	if d != nil {
		return d, nil
	}
	var src string
	err := q.NewSelect().Model((*definitionRow)(nil)).Column("source").Where("id = ?", id).Scan(ctx, &src)
	if errors.Is(err, sql.ErrNoRows) {
		err = q.NewSelect().Model((*overrideRow)(nil)).Column("source").Where("id = ?", id).Scan(ctx, &src)
	}
	if err != nil {
		return nil, fmt.Errorf("load definition %s: %w", id, err)
	}
	d, probs := definition.Parse([]byte(src), Catalog)
	if probs != nil {
		return nil, fmt.Errorf("stored definition %s no longer parses: %w", id, probs)
	}
	r.mu.Lock()
	r.byID[id] = d
	r.mu.Unlock()
	return d, nil
}

// current returns the id of the definition new instances of name start on in
// tenant: the tenant's latest override, else the latest shipped version (one
// query reading ids only: it runs when an instance starts).
func (r *registry) current(ctx context.Context, q bun.IDB, tenant, name string) (string, error) {
	var id string
	err := q.NewRaw(`SELECT id FROM (
			SELECT id, 0 AS own, version FROM workflow_overrides WHERE tenant_id = ? AND name = ?
			UNION ALL
			SELECT id, 1 AS own, version FROM workflow_definitions WHERE name = ?
		) AS v ORDER BY own, version DESC LIMIT 1`, tenant, name, name).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Không tìm thấy quy trình %q.", name)
	} else if err != nil {
		return "", fmt.Errorf("current definition %s: %w", name, err)
	}
	return id, nil
}

// DefinitionInfo describes one stored version.
type DefinitionInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Tenant    string    `json:"tenant"`
	Version   int       `json:"version"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at"`
	Source    string    `json:"source,omitempty"`
}

// Definitions lists the shipped and the tenant's own definition versions.
func (e *Engine) Definitions(ctx context.Context, tenant string) ([]DefinitionInfo, error) {
	var all []definitionRow
	err := e.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		for _, t := range []string{ShippedTenant, tenant} {
			rs, err := rows(ctx, q, t, "")
			if err != nil {
				return err
			}
			all = append(all, rs...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list definitions: %w", err)
	}
	out := make([]DefinitionInfo, len(all))
	for i, r := range all {
		out[i] = DefinitionInfo{ID: r.ID, Name: r.Name, Tenant: r.TenantID, Version: r.Version, Hash: r.Hash, CreatedAt: r.CreatedAt, Source: r.Source}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant == ShippedTenant
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// Override validates src and stores it as the tenant's own version of a
// shipped definition. Problems come back as an EINVALID error with one field
// error per line.
func (e *Engine) Override(ctx context.Context, tenant, actor string, src []byte) (DefinitionInfo, error) {
	d, probs := definition.Parse(src, Catalog)
	if probs != nil {
		fe := make([]core.FieldError, len(probs))
		for i, p := range probs {
			fe[i] = core.FieldError{Field: "definition", Row: p.Line, Message: p.Message}
		}
		return DefinitionInfo{}, core.Invalid("Định nghĩa quy trình không hợp lệ.", fe...)
	}
	if _, err := e.reg.current(ctx, e.db.Read, ShippedTenant, d.Name); err != nil {
		var ce *core.Error
		if errors.As(err, &ce) && ce.Code == core.ENOTFOUND {
			return DefinitionInfo{}, core.Invalid("Chỉ được thay thế một quy trình có sẵn.",
				core.FieldError{Field: "name", Row: 1, Message: fmt.Sprintf("không có quy trình %q", d.Name)})
		}
		return DefinitionInfo{}, err
	}
	id, err := e.reg.save(ctx, tenant, actor, d)
	if err != nil {
		return DefinitionInfo{}, err
	}
	infos, err := e.Definitions(ctx, tenant)
	if err != nil {
		return DefinitionInfo{}, err
	}
	for _, i := range infos {
		if i.ID == id {
			return i, nil
		}
	}
	return DefinitionInfo{}, core.Internal(errors.New("saved definition not found"), "override")
}
