package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/workflows/definition"
)

// InboxItem is one subject the caller may act on now.
type InboxItem struct {
	Tenant      string     `json:"tenant"`
	SubjectType string     `json:"subject_type"`
	SubjectID   string     `json:"subject_id"`
	Title       string     `json:"title"`
	State       string     `json:"state"`
	StateTitle  string     `json:"state_title"`
	Since       time.Time  `json:"since"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	Escalated   bool       `json:"escalated"`
	Actions     []Action   `json:"available_actions"`
	Link        string     `json:"link,omitempty"`
}

// Inbox lists every item across all tenants that the caller (or someone who
// delegated to the caller) may act on now, soonest due first. Drafts are not
// inbox items.
func (e *Engine) Inbox(ctx context.Context, p core.Principal) ([]InboxItem, error) {
	actors, err := e.actors(ctx, e.db.Read, p.UserID)
	if err != nil {
		return nil, err
	}
	tenantSet := map[string]bool{}
	for _, a := range actors {
		for _, perm := range Catalog.Permissions {
			obj, act, _ := strings.Cut(perm, ".")
			ts, err := e.authz.TenantsWhere(ctx, a, obj, act)
			if err != nil {
				return nil, fmt.Errorf("inbox tenants: %w", err)
			}
			for _, t := range ts {
				tenantSet[t] = true
			}
		}
	}
	if len(tenantSet) == 0 {
		return []InboxItem{}, nil
	}
	tenants := make([]string, 0, len(tenantSet))
	for t := range tenantSet {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	as := &actorSet{e: e, q: e.db.Read, user: p.UserID, all: actors} // delegations read once, above
	var items []InboxItem
	err = e.db.ConsolidationTx(ctx, tenants, func(ctx context.Context, tx bun.Tx) error {
		var insts []Instance
		if err := tx.NewSelect().Model(&insts).Where("tenant_id IN (?)", bun.In(tenants)).
			OrderExpr("due_at IS NULL, due_at, state_entered_at").Limit(1000).Scan(ctx); err != nil {
			return fmt.Errorf("inbox instances: %w", err)
		}
		type candidate struct {
			in   *Instance
			d    *definition.Definition
			acts []Action
		}
		var cands []candidate
		for i := range insts {
			in := &insts[i]
			d, err := e.reg.get(ctx, tx, in.DefinitionID)
			if err != nil {
				return err
			}
			if in.State == d.Initial || d.States[in.State] == nil || d.States[in.State].Final {
				continue
			}
			done, err := e.stepsDone(ctx, tx, in, d)
			if err != nil {
				return err
			}
			acts, err := e.available(ctx, as, in.TenantID, in, d, done)
			if err != nil {
				return err
			}
			if len(acts) > 0 {
				cands = append(cands, candidate{in, d, acts})
			}
		}
		refs := map[string][]SubjectRef{}
		for _, c := range cands {
			refs[c.in.SubjectType] = append(refs[c.in.SubjectType], SubjectRef{Tenant: c.in.TenantID, ID: c.in.SubjectID})
		}
		infos := map[string]map[SubjectRef]SubjectInfo{}
		for typ, rs := range refs {
			if infos[typ], err = e.loadSubjects(ctx, tx, typ, rs); err != nil {
				return err
			}
		}
		for _, c := range cands {
			in := c.in
			info, ok := infos[in.SubjectType][SubjectRef{Tenant: in.TenantID, ID: in.SubjectID}]
			if !ok {
				continue // the record is gone; its instance has nothing left to act on
			}
			items = append(items, InboxItem{Tenant: in.TenantID, SubjectType: in.SubjectType, SubjectID: in.SubjectID,
				Title: info.Title, State: in.State, StateTitle: c.d.States[in.State].Title, Since: in.StateEnteredAt,
				DueAt: in.DueAt, Escalated: in.Escalated, Actions: c.acts, Link: info.Link})
		}
		return nil
	})
	if items == nil {
		items = []InboxItem{}
	}
	return items, err
}

// Delegate lets another user act for the caller in tenant between two dates.
func (e *Engine) Delegate(ctx context.Context, p core.Principal, tenant, toUser string, from, to time.Time) (*Delegation, error) {
	var fe []core.FieldError
	if toUser == "" || toUser == p.UserID {
		fe = append(fe, core.FieldError{Field: "to_user", Message: "chọn một người khác để ủy quyền"})
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		fe = append(fe, core.FieldError{Field: "ends_on", Message: "ngày kết thúc phải sau ngày bắt đầu"})
	}
	if len(fe) > 0 {
		return nil, core.Invalid("Thông tin ủy quyền chưa hợp lệ.", fe...)
	}
	d := &Delegation{ID: sqldb.NewID(), TenantID: tenant, FromUser: p.UserID, ToUser: toUser,
		StartsOn: from.UTC(), EndsOn: to.UTC(), CreatedAt: time.Now().UTC()}
	err := e.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return fmt.Errorf("save delegation: %w", err)
		}
		return nil
	})
	return d, err
}

// Delegations lists delegations made by or to the caller.
func (e *Engine) Delegations(ctx context.Context, p core.Principal) ([]Delegation, error) {
	var ds []Delegation
	if err := e.db.Read.NewSelect().Model(&ds).Where("from_user = ? OR to_user = ?", p.UserID, p.UserID).
		OrderExpr("starts_on DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list delegations: %w", err)
	}
	if ds == nil {
		ds = []Delegation{}
	}
	return ds, nil
}

// RevokeDelegation deletes one of the caller's delegations.
func (e *Engine) RevokeDelegation(ctx context.Context, p core.Principal, id string) error {
	return e.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Delegation)(nil)).Where("id = ? AND from_user = ?", id, p.UserID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("revoke delegation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "Không tìm thấy ủy quyền.")
		}
		return nil
	})
}

// MaxFileSize bounds an uploaded document.
const MaxFileSize = 20 << 20

// Upload stores a document of the tenant. Only PDF files are accepted.
func (e *Engine) Upload(ctx context.Context, p core.Principal, tenant, name string, data []byte) (*File, error) {
	if len(data) == 0 || len(data) > MaxFileSize {
		return nil, core.Invalid("Tệp không hợp lệ.", core.FieldError{Field: "file", Message: "tệp rỗng hoặc lớn hơn 20 MB"})
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return nil, core.Invalid("Tệp không hợp lệ.", core.FieldError{Field: "file", Message: "chỉ nhận tệp PDF"})
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		name = "tai-lieu.pdf"
	}
	sum := sha256.Sum256(data)
	f := &File{ID: sqldb.NewID(), TenantID: tenant, Name: name, ContentType: "application/pdf", Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedBy: p.UserID, CreatedAt: time.Now().UTC()}
	err := e.db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
			return fmt.Errorf("save file: %w", err)
		}
		return nil
	})
	return f, err
}

// File returns a document of the tenant.
func (e *Engine) File(ctx context.Context, tenant, id string) (*File, error) {
	var f File
	err := e.db.ReadTenant(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&f).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx)
	})
	if isNoRows(err) {
		return nil, core.Errorf(core.ENOTFOUND, "Không tìm thấy tệp.")
	}
	if err != nil {
		return nil, fmt.Errorf("load file: %w", err)
	}
	return &f, nil
}

// SubjectRef names one record of a subject type.
type SubjectRef struct{ Tenant, ID string }

// ManyLoader is a Subject that describes many records in one query, so that
// the inbox's queries do not grow with its items. Records not found are
// absent from the result.
type ManyLoader interface {
	LoadMany(ctx context.Context, q bun.IDB, refs []SubjectRef) (map[SubjectRef]SubjectInfo, error)
}

// loadSubjects describes the records of one subject type: in one query when
// the subject can, else one by one.
func (e *Engine) loadSubjects(ctx context.Context, q bun.IDB, typ string, refs []SubjectRef) (map[SubjectRef]SubjectInfo, error) {
	subj, err := e.subject(typ)
	if err != nil {
		return nil, err
	}
	if ml, ok := subj.(ManyLoader); ok {
		return ml.LoadMany(ctx, q, refs)
	}
	out := make(map[SubjectRef]SubjectInfo, len(refs))
	for _, r := range refs {
		info, err := subj.Load(ctx, q, r.Tenant, r.ID)
		if core.ErrorCode(err) == core.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out[r] = info
	}
	return out, nil
}
