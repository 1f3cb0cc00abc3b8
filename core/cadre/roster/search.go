package roster

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/sqldb"
	"doanbd/core/vntext"
)

// How a page is found on a big roster. A page is the first rows in sort
// order among those the filter selects. Without a name search the sort
// index gives them directly. With one, two cases:
//
//   - a common name part ("nguyen", "van", "thi", "pham"): matches are all
//     along the sort order, so walking the sort index (which carries the
//     search column) and testing each name finds a page within a few
//     thousand entries, while the search index would hand over a large
//     share of the roster to be sorted;
//   - a rarer one ("nguyen van an", a given name late in the alphabet): the
//     search index finds the matches (PostgreSQL: a btree of the names' word
//     suffixes, migration 0044, because under row-level security only
//     leakproof comparisons can use an index; SQLite: FTS5), which are then
//     sorted.
//
// So the walk is tried first, over at most walkBudget entries in sort order;
// if it does not fill the page, the search index answers. Either way the
// result is the same rows in the same order; only the cost differs.
const walkBudget = 15000

// wordStart matches names in which the query's words start words, in order:
// the search column holds words separated by single spaces.
const wordStart = "(' ' || c.name_fold) LIKE ? ESCAPE '\\'"

func wordPattern(words []string) string { return "% " + likeEscape(strings.Join(words, " ")) + "%" }

// searchWords folds a query into words of letters and digits, the way the
// search column (vntext.SearchForm) and the FTS5 tokenizer see names.
func searchWords(q string) []string { return vntext.Words(q) }

// onlySearch reports a filter that narrows by name, status and unit only:
// what the PostgreSQL suffix index can answer alone.
func onlySearch(f Filter) bool {
	return f.Title == "" && f.Employment == "" && f.Planning == ""
}

// page returns the requested page of f.
func (s *Service) page(ctx context.Context, db bun.IDB, tenant string, f Filter) ([]cadreRow, error) {
	words := searchWords(f.Q)
	if len(words) > 0 && f.Limit > 0 && f.Offset+f.Limit <= walkBudget/10 && !f.Subtree && f.Planning == "" {
		rows, full, err := s.walk(ctx, db, tenant, f, words)
		if err != nil || full {
			return rows, err
		}
	}
	var rows []cadreRow
	q, err := s.filtered(ctx, db, db.NewSelect().Model(&rows), tenant, f)
	if err != nil {
		return nil, err
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit)).Offset(int64(f.Offset))
	}
	order := "c.sort_key, c.id"
	if len(words) > 0 && s.db.Dialect == sqldb.Postgres {
		// Here the name is rare in sort order: fetch the matches through the
		// suffix index and sort them, rather than walk the sort index testing
		// every row (ordering by an expression rules that plan out).
		order = "c.sort_key || '', c.id"
	}
	if err := q.OrderExpr(order).Scan(ctx); err != nil {
		return nil, core.Internal(err, "list cadres")
	}
	return rows, nil
}

// walk finds a page by walking the sort index (ids and names only, from the
// index), then reads the page's rows. full is false when the walk did not
// fill the page within its budget.
func (s *Service) walk(ctx context.Context, db bun.IDB, tenant string, f Filter, words []string) ([]cadreRow, bool, error) {
	plain := f
	plain.Q = ""
	inner, err := s.filtered(ctx, db, db.NewSelect().TableExpr("cadres AS c").ColumnExpr("c.id, c.sort_key, c.name_fold"), tenant, plain)
	if err != nil {
		return nil, false, err
	}
	inner = inner.OrderExpr("c.sort_key, c.id").Limit(walkBudget)
	var ids []string
	err = db.NewSelect().TableExpr("(?) AS c", inner).Column("c.id").Where(wordStart, wordPattern(words)).
		OrderExpr("c.sort_key, c.id").Limit(int64(f.Limit)).Offset(int64(f.Offset)).Scan(ctx, &ids)
	if err != nil {
		return nil, false, core.Internal(err, "list cadres")
	}
	if len(ids) < f.Limit {
		return nil, false, nil
	}
	var rows []cadreRow
	if err := db.NewSelect().Model(&rows).Where("c.tenant_id = ? AND c.id IN (?)", tenant, bun.In(ids)).
		OrderExpr("c.sort_key, c.id").Scan(ctx); err != nil {
		return nil, false, core.Internal(err, "list cadres")
	}
	return rows, true, nil
}

// countCapped counts the matches of f up to CountCap+1: counts stop at the
// cap by LIMIT. A name search is counted from its index outwards (FTS5 on
// SQLite; on PostgreSQL the suffix index alone when nothing but the status
// narrows it), which stops at the cap however common the name.
func (s *Service) countCapped(ctx context.Context, db bun.IDB, tenant string, f Filter) (int, error) {
	words := searchWords(f.Q)
	plain := f
	plain.Q = ""
	var q *bun.SelectQuery
	var err error
	switch {
	case len(words) > 0 && s.db.Dialect == sqldb.SQLite:
		units, err := s.unitScope(ctx, db, tenant, f)
		if err != nil {
			return 0, err
		}
		q = db.NewSelect().TableExpr("cadres_fts").Join("JOIN cadres AS c ON c.rid = cadres_fts.rowid").
			Where("cadres_fts MATCH ?", ftsQuery(tenant, words, units))
		if q, err = s.filtered(ctx, db, q, tenant, plain); err != nil {
			return 0, err
		}
	case len(words) > 0 && onlySearch(f):
		units, err := s.unitScope(ctx, db, tenant, f)
		if err != nil {
			return 0, err
		}
		var m struct {
			Entries  int `bun:"entries"`
			Distinct int `bun:"distinct_ids"`
		}
		sub := suffixes(db, tenant, f.Status, units, words).Limit(CountCap + 1)
		if err := db.NewSelect().TableExpr("(?) AS m", sub).ColumnExpr("count(*) AS entries, count(DISTINCT m.cadre_id) AS distinct_ids").
			Scan(ctx, &m); err != nil {
			return 0, core.Internal(err, "count cadres")
		}
		if m.Entries > CountCap {
			return CountCap + 1, nil
		}
		return m.Distinct, nil
	case f.Planning != "" && f.Status == "" && len(words) == 0 && f.UnitID == "" && f.Title == "" && f.Employment == "":
		// Open planning places belong to active cadres only (leaving,
		// transfers and deletion end or remove them), so the pool counts
		// itself from its own index.
		q = db.NewSelect().Table("cadre_planning").ColumnExpr("DISTINCT cadre_id").Where("tenant_id = ? AND until_on IS NULL", tenant)
		if f.Planning != PlanningAny {
			q = q.Where("title = ?", f.Planning)
		}
		var n int
		if err := db.NewSelect().TableExpr("(?) AS m", q.Limit(CountCap+1)).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
			return 0, core.Internal(err, "count cadres")
		}
		return n, nil
	default:
		q, err = s.filtered(ctx, db, db.NewSelect().TableExpr("cadres AS c"), tenant, f)
	}
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.NewSelect().TableExpr("(?) AS m", q.ColumnExpr("1").Limit(CountCap+1)).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return 0, core.Internal(err, "count cadres")
	}
	return n, nil
}

// suffixes selects the ids of cadres (PostgreSQL) whose name has a word
// suffix starting with the query, in the given status ("all": any) and, if
// units is not nil, in one of those units.
func suffixes(db bun.IDB, tenant, status string, units, words []string) *bun.SelectQuery {
	p := strings.Join(words, " ")
	q := db.NewSelect().TableExpr("cadre_name_suffixes AS ns").Column("ns.cadre_id").
		Where("ns.tenant_id = ? AND ns.suffix >= ? AND ns.suffix < ?", tenant, p, p+string(rune(utf8.MaxRune)))
	switch status {
	case "":
		q = q.Where("ns.status = ?", cadre.Active)
	case "all":
	default:
		q = q.Where("ns.status = ?", status)
	}
	if units != nil {
		q = q.Where("ns.unit_id IN (?)", bun.In(units))
	}
	return q
}

// indexedMatch adds a name search served by the dialect's search index. On
// PostgreSQL the matching ids are gathered first (an ARRAY sub-select runs
// once), so the planner cannot turn the search into a join in some costly
// order.
func (s *Service) indexedMatch(db bun.IDB, q *bun.SelectQuery, tenant, status string, units, words []string) *bun.SelectQuery {
	if s.db.Dialect == sqldb.Postgres {
		return q.Where("c.id = ANY(ARRAY(?))", suffixes(db, tenant, status, units, words))
	}
	return q.Where("c.rid IN (SELECT rowid FROM cadres_fts WHERE cadres_fts MATCH ?)", ftsQuery(tenant, words, units))
}

// ftsUnits is the most units an FTS5 query names; a wider subtree is
// filtered on the cadres instead.
const ftsUnits = 200

// ftsQuery builds an FTS5 query: the tenant's token, the words as a phrase
// whose last word is a prefix, and, for a unit filter of at most ftsUnits
// units, one of the units. Words are letters and digits only; ids are
// quoted as FTS5 strings.
func ftsQuery(tenant string, words, units []string) string {
	q := `tenant_id : "` + strings.ReplaceAll(tenant, `"`, `""`) + `" AND name_fold : "` + strings.Join(words, " ") + `" *`
	if len(units) > 0 && len(units) <= ftsUnits {
		quoted := make([]string, len(units))
		for i, u := range units {
			quoted[i] = `"` + strings.ReplaceAll(u, `"`, `""`) + `"`
		}
		q += ` AND unit_id : (` + strings.Join(quoted, " OR ") + `)`
	}
	return q
}
