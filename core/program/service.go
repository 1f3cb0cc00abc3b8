package program

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// Options wire the service's collaborators.
type Options struct {
	// Local supplies plugin local programmes; nil when no plugin host is wired.
	Local core.ProgramCatalog
	// Now is the clock (tests); default time.Now in UTC.
	Now func() time.Time
}

// Service is the programme catalogue.
type Service struct {
	db    *sqldb.DB
	local core.ProgramCatalog
	now   func() time.Time
}

// NewService returns the catalogue on db.
func NewService(db *sqldb.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{db: db, local: o.Local, now: o.Now}
}

var errNotFound = core.Errorf(core.ENOTFOUND, "Không tìm thấy chương trình bồi dưỡng.")

// visible restricts q to what tenant may see: its own programmes in any
// status, and the central catalogue once published (retired ones stay
// readable for the plans that used them). On PostgreSQL row-level security
// enforces the same rule.
func visible(q *bun.SelectQuery, tenant string) *bun.SelectQuery {
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("p.tenant_id = ?", tenant).
			WhereOr("p.tenant_id = ? AND p.status IN (?, ?)", core.CentralTenant, StatusPublished, StatusRetired)
	})
}

// Filter narrows a catalogue list.
type Filter struct {
	Group  string // TW1…TINH4
	Status string
	Search string // code or name, ignoring case and diacritics
	// Source: "central", "variant", "plugin" or empty for all.
	Source string
	Limit  int
	Offset int
}

// ListResult is one page of the catalogue.
type ListResult struct {
	Items []Program
	Total int
	// Stale is true when a plugin failed and its last good list is shown.
	Stale bool
}

// List returns the catalogue tenant sees: central programmes, its own
// variants and, when a plugin host is wired, its plugins' local programmes.
// The catalogue is small (tens of entries), so it is filtered and paged in
// memory after one query.
func (s *Service) List(ctx context.Context, tenant string, f Filter) (ListResult, error) {
	var res ListResult
	var rows []Program
	err := s.read(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		sel := visible(q.NewSelect().Model(&rows), tenant).
			Join("LEFT JOIN program_groups AS g ON g.code = p.group_code").
			OrderExpr("g.sort, p.code")
		if f.Group != "" {
			sel = sel.Where("p.group_code = ?", f.Group)
		}
		if f.Status != "" {
			sel = sel.Where("p.status = ?", f.Status)
		}
		return sel.Scan(ctx)
	})
	if err != nil {
		return res, core.Internal(err, "list programs")
	}
	for i := range rows {
		rows[i].Source = SourceCatalog
	}
	if s.local != nil && f.Source != "central" && f.Source != "variant" &&
		(f.Group == "" || f.Group == LocalGroup) && (f.Status == "" || f.Status == StatusPublished) {
		locals, stale, err := s.local.LocalPrograms(ctx, tenant)
		if err != nil {
			return res, core.Internal(err, "list local programs")
		}
		res.Stale = stale
		for _, lp := range locals {
			rows = append(rows, FromLocal(lp))
		}
	}
	needle := vntext.Fold(f.Search)
	out := rows[:0]
	for _, p := range rows {
		if !sourceMatches(p, f.Source) {
			continue
		}
		if needle != "" && !strings.Contains(vntext.Fold(p.Code+" "+p.Name), needle) {
			continue
		}
		out = append(out, p)
	}
	res.Total = len(out)
	lo, hi := f.Offset, f.Offset+f.Limit
	if f.Limit <= 0 {
		hi = len(out)
	}
	lo, hi = min(lo, len(out)), min(hi, len(out))
	res.Items = out[lo:hi]
	return res, nil
}

func sourceMatches(p Program, source string) bool {
	switch source {
	case "central":
		return p.Source == SourceCatalog && !p.IsVariant() && p.TenantID == core.CentralTenant
	case "variant":
		return p.Source == SourceCatalog && p.IsVariant()
	case "plugin":
		return strings.HasPrefix(p.Source, SourcePluginPrefix)
	}
	return true
}

// FromLocal turns a plugin's local programme into a catalogue entry (group
// TINH4, published, not stored).
func FromLocal(lp core.LocalProgram) Program {
	ms := make([]Module, 0, len(lp.Modules))
	for _, m := range lp.Modules {
		ms = append(ms, Module{Code: m.Code, Name: m.Name, Hours: m.Hours})
	}
	src := lp.Source
	if !strings.HasPrefix(src, SourcePluginPrefix) {
		src = SourcePluginPrefix + src
	}
	return Program{
		Code: lp.Code, Name: lp.Name, Group: LocalGroup, Modules: ms, TotalHours: hours(ms),
		Audience: Audience{Titles: lp.Audience.Titles, Levels: lp.Audience.Levels, Employment: lp.Audience.Employment},
		Version:  1, Status: StatusPublished, Source: src, Changes: []Change{},
	}
}

// Get returns a programme tenant may see.
func (s *Service) Get(ctx context.Context, tenant, id string) (*Program, error) {
	var p *Program
	err := s.read(ctx, tenant, func(ctx context.Context, q bun.IDB) error {
		var err error
		p, err = getVisible(ctx, q, tenant, id)
		return err
	})
	return p, err
}

// read runs fn on a view of tenant's catalogue: its own rows and the central
// office's. On PostgreSQL that is a transaction scoped to both tenants (row-
// level security shows nothing else; visible keeps tw's unpublished
// programmes out); on SQLite the reader pool, filtered by visible.
func (s *Service) read(ctx context.Context, tenant string, fn func(ctx context.Context, q bun.IDB) error) error {
	if s.db.Dialect == sqldb.Postgres && tenant != core.CentralTenant {
		return s.db.ConsolidationTx(ctx, []string{tenant, core.CentralTenant}, func(ctx context.Context, tx bun.Tx) error {
			return fn(ctx, tx)
		})
	}
	return s.db.ReadTenant(ctx, tenant, fn)
}

func getVisible(ctx context.Context, q bun.IDB, tenant, id string) (*Program, error) {
	var p Program
	err := visible(q.NewSelect().Model(&p), tenant).Where("p.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	} else if err != nil {
		return nil, core.Internal(err, "get program")
	}
	p.Source = SourceCatalog
	return &p, nil
}

// Ref names the programme of a planned class: a stored one by ID, or a
// plugin's local programme by Source ("plugin:<name>") and Code.
type Ref struct {
	ID     string `json:"program_id,omitempty"`
	Source string `json:"program_source,omitempty"`
	Code   string `json:"program_code,omitempty"`
}

// Resolve finds the programme ref names, as tenant sees it. The result may
// be in any status; the caller decides whether it is usable. It reads in its
// own transaction (the central catalogue is outside a tenant's transaction
// under row-level security): call it before opening yours.
func (s *Service) Resolve(ctx context.Context, tenant string, ref Ref) (*Program, error) {
	if strings.HasPrefix(ref.Source, SourcePluginPrefix) {
		if s.local == nil {
			return nil, errNotFound
		}
		locals, _, err := s.local.LocalPrograms(ctx, tenant)
		if err != nil {
			return nil, core.Internal(err, "resolve local program")
		}
		for _, lp := range locals {
			p := FromLocal(lp)
			if p.Source == ref.Source && p.Code == ref.Code {
				return &p, nil
			}
		}
		return nil, errNotFound
	}
	if ref.ID == "" {
		return nil, errNotFound
	}
	return s.Get(ctx, tenant, ref.ID)
}

// Groups lists the programme groups in catalogue order.
func (s *Service) Groups(ctx context.Context) ([]Group, error) {
	var gs []Group
	if err := s.db.Read.NewSelect().Model(&gs).Order("sort").Scan(ctx); err != nil {
		return nil, core.Internal(err, "list program groups")
	}
	return gs, nil
}

// Titles lists the titles in catalogue order.
func (s *Service) Titles(ctx context.Context) ([]Title, error) {
	var ts []Title
	if err := s.db.Read.NewSelect().Model(&ts).Order("sort").Scan(ctx); err != nil {
		return nil, core.Internal(err, "list titles")
	}
	return ts, nil
}

// TitleMap returns the titles by code.
func (s *Service) TitleMap(ctx context.Context) (map[string]Title, error) {
	ts, err := s.Titles(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Title, len(ts))
	for _, t := range ts {
		m[t.Code] = t
	}
	return m, nil
}

// ListForReview returns the variants of the given tenants in status (all
// statuses when empty), for the central office's review queue. The caller
// has authorized reading each tenant.
func (s *Service) ListForReview(ctx context.Context, tenants []string, status string) ([]Program, error) {
	var rows []Program
	err := s.db.ConsolidationTx(ctx, tenants, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(&rows).Where("p.tenant_id IN (?)", bun.In(tenants)).
			Where("p.base_program_id <> ''").Order("p.tenant_id", "p.code")
		if status != "" {
			q = q.Where("p.status = ?", status)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, core.Internal(err, "list variants for review")
	}
	for i := range rows {
		rows[i].Source = SourceCatalog
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].UpdatedAt.After(rows[j].UpdatedAt) })
	return rows, nil
}
