package loadbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"doanbd/core/cadre"
)

// PlainHandler answers GET /cadres?tenant=…&unit=…&subtree=…&title=…&
// employment=…&planning=…&limit=…&offset=… with the same queries the roster
// runs for GET /api/v1/t/{tenant}/cadres (a unit subtree resolved once, a
// count up to CountCap+1, then a page of the same columns in the same
// order, walking the sort order where the roster does) and the same JSON. It is the baseline of
// the list benchmark: no framework, no authentication, no authorization, no
// tenant scoping (the tenant is a query parameter; on PostgreSQL it needs a
// role that bypasses row-level security). postgres selects $n placeholders.
func PlainHandler(db *sql.DB, postgres bool) http.Handler {
	h := &plain{db: db, postgres: postgres}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cadres", h.list)
	return mux
}

type plain struct {
	db       *sql.DB
	postgres bool
}

// cadreColumns are the roster's cadre columns, in its model's order.
const cadreColumns = `c.tenant_id, c.id, c.full_name, c.name_fold, c.sort_key, c.birth_date, c.gender, c.phone, c.email,
c.unit_id, c.title, c.employment, c.status, c.left_on, c.cccd_enc, c.cccd_hash, c.ethnicity_enc, c.religion_enc,
c.transferred_to, c.prev_tenant, c.prev_id, c.created_at, c.updated_at`

// CountCap is the roster's cap on list totals (roster.CountCap): like the
// roster, the baseline counts up to CountCap+1 and answers "more than
// CountCap" with total_capped.
const CountCap = 10_000

type listOut struct {
	Items       []cadre.Cadre `json:"items"`
	Total       int           `json:"total"`
	Limit       int           `json:"limit"`
	Offset      int           `json:"offset"`
	TotalCapped bool          `json:"total_capped"`
}

func (h *plain) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 50, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 && v <= 200 {
		limit = v
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	ctx := r.Context()
	tenant := first(q, "tenant")
	// Like the roster: the unit subtree read once, a capped count, then the
	// page, walking the sort order for a large selection that the roster
	// walks (roster.Service.walks).
	units, err := h.units(ctx, q, tenant)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := listOut{Items: []cadre.Cadre{}, Limit: limit, Offset: offset}
	where, args := h.where(q, tenant, units, false)
	count := "SELECT count(*) FROM (SELECT 1 FROM cadres AS c WHERE " + where + " LIMIT " + strconv.Itoa(CountCap+1) + ") AS m"
	if first(q, "planning") != "" && first(q, "unit") == "" && first(q, "title") == "" && first(q, "employment") == "" {
		// The roster counts a pool from its own index.
		count = "SELECT count(*) FROM (SELECT DISTINCT cadre_id FROM cadre_planning WHERE tenant_id = ? AND until_on IS NULL"
		args = []any{tenant}
		if p := first(q, "planning"); p != "any" {
			count += " AND title = ?"
			args = append(args, p)
		}
		count += " LIMIT " + strconv.Itoa(CountCap+1) + ") AS m"
	}
	if err := h.db.QueryRowContext(ctx, h.ph(count), args...).Scan(&out.Total); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	walk := out.Total > walkAbove && (first(q, "planning") != "" || (!h.postgres && first(q, "subtree") == "true"))
	out.Total, out.TotalCapped = min(out.Total, CountCap), out.Total > CountCap
	where, args = h.where(q, tenant, units, walk)
	rows, err := h.db.QueryContext(ctx, h.ph("SELECT "+cadreColumns+" FROM cadres AS c WHERE "+where+
		" ORDER BY c.sort_key, c.id LIMIT ? OFFSET ?"), append(args, limit, offset)...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var c cadre.Cadre
		var nameFold, sortKey, prevTenant, prevID string
		var cccdEnc, ethEnc, relEnc []byte
		var cccdHash sql.NullString
		var created, updated time.Time
		if err := rows.Scan(&c.Tenant, &c.ID, &c.FullName, &nameFold, &sortKey, &c.BirthDate, &c.Gender, &c.Phone, &c.Email,
			&c.UnitID, &c.Title, &c.Employment, &c.Status, &c.LeftOn, &cccdEnc, &cccdHash, &ethEnc, &relEnc,
			&c.TransferredTo, &prevTenant, &prevID, &created, &updated); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c.HasCCCD, c.CreatedAt, c.UpdatedAt = cccdHash.String != "", created, updated
		if prevID != "" {
			c.PreviousRecord = &cadre.Ref{Tenant: prevTenant, CadreID: prevID}
		}
		out.Items = append(out.Items, c)
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// walkAbove is the roster's selection size from which a subtree (SQLite)
// or a planning pool is paged by walking the sort order.
const walkAbove = 2000

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// units is the unit filter: nil for none, the unit, or its subtree.
func (h *plain) units(ctx context.Context, q map[string][]string, tenant string) ([]string, error) {
	u := first(q, "unit")
	switch {
	case u == "":
		return nil, nil
	case first(q, "subtree") == "true":
		return h.subtree(ctx, tenant, u)
	}
	return []string{u}, nil
}

// where builds the roster's filter conditions (core/cadre/roster Filter):
// active cadres by default, units, title, employment, a planning pool; with
// walk, written as the roster writes them for a walk (no index for the unit
// test on SQLite; the pool test a hashed sub-select on PostgreSQL).
func (h *plain) where(q map[string][]string, tenant string, units []string, walk bool) (string, []any) {
	conds := []string{"c.tenant_id = ?", "c.status = ?"}
	args := []any{tenant, cadre.Active}
	col := func(c string) string {
		if walk && !h.postgres {
			return "(" + c + " || '')"
		}
		return c
	}
	pool := func(sub string) string {
		if walk && h.postgres {
			return "(c.id IN (" + sub + ")) IS TRUE"
		}
		return col("c.id") + " IN (" + sub + ")"
	}
	if units != nil {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(units)), ", ")
		conds = append(conds, col("c.unit_id")+" IN ("+marks+")")
		for _, id := range units {
			args = append(args, id)
		}
	}
	if v := first(q, "title"); v != "" {
		conds, args = append(conds, "c.title = ?"), append(args, v)
	}
	if v := first(q, "employment"); v != "" {
		conds, args = append(conds, "c.employment = ?"), append(args, v)
	}
	switch v := first(q, "planning"); v {
	case "":
	case "any":
		conds = append(conds, pool("SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL"))
		args = append(args, tenant)
	default:
		conds = append(conds, pool("SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL AND pl.title = ?"))
		args = append(args, tenant, v)
	}
	return "(" + strings.Join(conds, ") AND (") + ")", args
}

// subtree lists the ids of a unit and the units under it, as the roster
// resolves a subtree before querying cadres.
func (h *plain) subtree(ctx context.Context, tenant, unit string) ([]string, error) {
	var path string
	if err := h.db.QueryRowContext(ctx, h.ph("SELECT path FROM units WHERE tenant_id = ? AND id = ?"), tenant, unit).Scan(&path); err != nil {
		return nil, err
	}
	rows, err := h.db.QueryContext(ctx, h.ph("SELECT id FROM units WHERE tenant_id = ? AND path >= ? AND path < ?"), tenant, path, path+"~")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ph turns ? placeholders into $1, $2, … on PostgreSQL.
func (h *plain) ph(q string) string {
	if !h.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
