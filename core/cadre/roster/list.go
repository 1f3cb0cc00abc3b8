package roster

import (
	"context"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
)

// Filter selects cadres for a list or an export.
type Filter struct {
	// Q searches names ignoring diacritics and case: every word of Q must
	// start a word of the name, in order ("van an" finds "Nguyễn Văn Anh").
	Q string
	// UnitID keeps cadres of one unit; with Subtree, of its whole subtree.
	UnitID  string
	Subtree bool
	Title   string
	// Employment is chuyen_trach, ban_chuyen_trach or kiem_nhiem.
	Employment string
	// Planning keeps cadres now in the planning pool of that key title, or
	// of any title with "any".
	Planning string
	// Status is active (the default), left, transferred_out or all.
	Status string
	Limit  int
	Offset int

	// walk asks for the sort-index walk (set by ListCadres for large
	// selections); forceWalk asks for it whatever the size (tests).
	walk, forceWalk bool
	// units is the unit scope once resolved (resolved: set), so that a
	// list reads a subtree once for its count and its page.
	units    []string
	resolved bool
}

// PlanningAny in Filter.Planning selects cadres in any planning pool.
const PlanningAny = "any"

// Validate checks the filter's codes.
func (f *Filter) Validate(titles *cadre.Titles) error {
	var ps []cadre.Problem
	if f.Status != "" && f.Status != "all" && !cadre.Valid(cadre.Statuses, f.Status) {
		ps = append(ps, cadre.Problem{Field: "status", Message: "phải là active, left, transferred_out hoặc all"})
	}
	if f.Employment != "" && !cadre.Valid(cadre.Employments, f.Employment) {
		ps = append(ps, cadre.Problem{Field: "employment", Message: "phải là chuyen_trach, ban_chuyen_trach hoặc kiem_nhiem"})
	}
	if f.Title != "" {
		if _, ok := titles.ByCode(f.Title); !ok {
			ps = append(ps, cadre.Problem{Field: "title", Message: "không có trong danh mục chức danh"})
		}
	}
	if f.Planning != "" && f.Planning != PlanningAny {
		if t, ok := titles.ByCode(f.Planning); !ok || !t.Key {
			ps = append(ps, cadre.Problem{Field: "planning", Message: "phải là một chức danh chủ chốt hoặc any"})
		}
	}
	if err := cadre.AsInvalid(ps); err != nil {
		return core.Invalid("Bộ lọc không hợp lệ.", core.ErrorFields(err)...)
	}
	return nil
}

// CountCap bounds the total a list reports: counting every match of a broad
// filter on a roster of hundreds of thousands costs more than the page
// itself. A total of CountCap+1 means "more than CountCap"; CountCadres
// gives the exact figure when it is needed (dashboards, KPIs).
const CountCap = 10_000

// walkAbove is the selection size from which a page is found by walking
// the sort index rather than by sorting the selection.
const walkAbove = 2000

// ListCadres returns a page of cadres sorted the Vietnamese way (given name,
// then the rest) and how many match the filter, counted up to CountCap+1.
func (s *Service) ListCadres(ctx context.Context, tenant string, f Filter) ([]cadre.Cadre, int, error) {
	if err := f.Validate(s.titles); err != nil {
		return nil, 0, err
	}
	var rows []cadreRow
	var total int
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		var err error
		if f.units, err = s.unitScope(ctx, db, tenant, f); err != nil {
			return err
		}
		f.resolved = true
		if total, err = s.countCapped(ctx, db, tenant, f); err != nil {
			return err
		}
		f.walk = f.forceWalk || (total > walkAbove && f.Q == "" && s.walks(f))
		rows, err = s.page(ctx, db, tenant, f)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]cadre.Cadre, len(rows))
	for i := range rows {
		out[i] = rows[i].cadre()
	}
	return out, total, nil
}

// walks reports whether a large selection by f is paged by walking the sort
// order rather than by fetching and sorting it. On SQLite: a unit subtree or
// a planning pool. On PostgreSQL the planner makes this choice itself from
// its statistics (and does worse when told), except for the planning pool:
// it takes pool members for cadres of any tenant, expects a few hundred
// where a province has thousands, and sorts the whole selection (filter
// "any" on 500,000 cadres: 37 ms a page, against 9 ms walking).
func (s *Service) walks(f Filter) bool {
	if s.db.Dialect == sqldb.SQLite {
		return f.Subtree || f.Planning != ""
	}
	return f.Planning != ""
}

// CountCadres counts exactly the cadres a filter selects.
func (s *Service) CountCadres(ctx context.Context, tenant string, f Filter) (int, error) {
	if err := f.Validate(s.titles); err != nil {
		return 0, err
	}
	var n int
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		q, err := s.filtered(ctx, db, db.NewSelect().Model((*cadreRow)(nil)), tenant, f)
		if err != nil {
			return err
		}
		c, err := q.Count(ctx)
		n = int(c)
		return err
	})
	if err != nil {
		return 0, notFound(err, errUnitNotFound, "count cadres")
	}
	return n, nil
}

// EachCadre calls fn for every cadre the filter selects, in list order,
// reading in batches so memory stays bounded whatever the roster size
// (exports). Limit and Offset are ignored.
func (s *Service) EachCadre(ctx context.Context, tenant string, f Filter, fn func(cadre.Cadre) error) error {
	return s.eachRow(ctx, tenant, f, func(r *cadreRow) error { return fn(r.cadre()) })
}

// eachRow is EachCadre on the stored rows (sealed fields included).
func (s *Service) eachRow(ctx context.Context, tenant string, f Filter, fn func(*cadreRow) error) error {
	if err := f.Validate(s.titles); err != nil {
		return err
	}
	const batch = 1000
	var lastKey, lastID string
	for {
		var rows []cadreRow
		err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
			q, err := s.filtered(ctx, db, db.NewSelect().Model(&rows), tenant, f)
			if err != nil {
				return err
			}
			if lastID != "" {
				q = q.Where("(c.sort_key > ? OR (c.sort_key = ? AND c.id > ?))", lastKey, lastKey, lastID)
			}
			if err := q.OrderExpr("c.sort_key, c.id").Limit(batch).Scan(ctx); err != nil {
				return core.Internal(err, "read cadres")
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		lastKey, lastID = rows[len(rows)-1].SortKey, rows[len(rows)-1].ID
	}
}

// unitScope returns the units a filter keeps: nil for all, the unit, or its
// subtree. The subtree's ids are read first rather than sub-selected, so
// that PostgreSQL cannot join them with a name search in a ruinous order.
func (s *Service) unitScope(ctx context.Context, db bun.IDB, tenant string, f Filter) ([]string, error) {
	switch {
	case f.resolved:
		return f.units, nil
	case f.UnitID == "":
		return nil, nil
	case !f.Subtree:
		return []string{f.UnitID}, nil
	}
	var u unitRow
	if err := db.NewSelect().Model(&u).Column("path").Where("tenant_id = ? AND id = ?", tenant, f.UnitID).Scan(ctx); err != nil {
		return nil, notFound(err, errUnitNotFound, "read unit")
	}
	var ids []string
	if err := db.NewSelect().Table("units").Column("id").
		Where("tenant_id = ? AND path >= ? AND path < ?", tenant, u.Path, u.Path+subtreeEnd).Scan(ctx, &ids); err != nil {
		return nil, core.Internal(err, "read unit subtree")
	}
	return ids, nil
}

// filtered adds the filter's conditions to a select on cadres (alias c),
// the name search through the search index (see indexedMatch).
func (s *Service) filtered(ctx context.Context, db bun.IDB, q *bun.SelectQuery, tenant string, f Filter) (*bun.SelectQuery, error) {
	q = q.Where("c.tenant_id = ?", tenant)
	switch f.Status {
	case "":
		q = q.Where("c.status = ?", cadre.Active)
	case "all":
	default:
		q = q.Where("c.status = ?", f.Status)
	}
	units, err := s.unitScope(ctx, db, tenant, f)
	if err != nil {
		return nil, err
	}
	// With walk, membership tests are written so that the planner walks the
	// sort index testing each row, the right plan for a page of a large
	// selection (see walks): on SQLite as expressions no index serves, on
	// PostgreSQL the pool test as a boolean, which keeps it a hashed
	// sub-select built once instead of a join.
	col := func(c string) string {
		if f.walk && s.db.Dialect == sqldb.SQLite {
			return "(" + c + " || '')"
		}
		return c
	}
	pool := func(sub string) string {
		if f.walk && s.db.Dialect == sqldb.Postgres {
			return "(c.id IN (" + sub + ")) IS TRUE"
		}
		return col("c.id") + " IN (" + sub + ")"
	}
	if units != nil {
		q = q.Where(col("c.unit_id")+" IN (?)", bun.In(units))
	}
	if f.Title != "" {
		q = q.Where("c.title = ?", f.Title)
	}
	if f.Employment != "" {
		q = q.Where("c.employment = ?", f.Employment)
	}
	switch f.Planning {
	case "":
	case PlanningAny:
		q = q.Where(pool("SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL"), tenant)
	default:
		q = q.Where(pool("SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL AND pl.title = ?"), tenant, f.Planning)
	}
	if words := searchWords(f.Q); len(words) > 0 {
		q = s.indexedMatch(db, q, tenant, f.Status, units, words)
	}
	return q, nil
}

// Nominee is what plan checks need to know of a cadre nominated for a class.
type Nominee struct {
	ID, Name    string
	BirthDate   cadre.Date
	Title       string
	Level       string // level of the cadre's unit
	Employment  string
	PlanningFor string // a key title the cadre is in the planning pool for
}

// Nominees returns the active cadres among ids, with their unit's level and
// a current planning-pool title. Ids not on the roster are absent. It reads
// through the reader pool (safe inside another writer's transaction on SQLite).
func (s *Service) Nominees(ctx context.Context, tenant string, ids []string) (map[string]Nominee, error) {
	out := map[string]Nominee{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         string     `bun:"id"`
		FullName   string     `bun:"full_name"`
		BirthDate  cadre.Date `bun:"birth_date"`
		Title      string     `bun:"title"`
		Employment string     `bun:"employment"`
		Level      string     `bun:"level"`
		Planning   string     `bun:"planning"`
	}
	err := s.db.ReadTenant(ctx, tenant, func(ctx context.Context, db bun.IDB) error {
		return db.NewSelect().TableExpr("cadres AS c").
			ColumnExpr("c.id, c.full_name, c.birth_date, c.title, c.employment, coalesce(u.level, '') AS level").
			ColumnExpr("coalesce((SELECT min(pl.title) FROM cadre_planning pl WHERE pl.tenant_id = c.tenant_id AND pl.cadre_id = c.id AND pl.until_on IS NULL), '') AS planning").
			Join("LEFT JOIN units AS u ON u.tenant_id = c.tenant_id AND u.id = c.unit_id").
			Where("c.tenant_id = ? AND c.status = ? AND c.id IN (?)", tenant, cadre.Active, bun.In(ids)).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, core.Internal(err, "read nominees")
	}
	for _, r := range rows {
		out[r.ID] = Nominee{ID: r.ID, Name: r.FullName, BirthDate: r.BirthDate, Title: r.Title, Level: r.Level,
			Employment: r.Employment, PlanningFor: r.Planning}
	}
	return out, nil
}
