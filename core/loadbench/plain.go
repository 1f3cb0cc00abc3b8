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
// runs for GET /api/v1/t/{tenant}/cadres (a unit subtree resolved first, a
// count up to CountCap+1, then a page of the same columns in the same
// order) and the same JSON. It is the baseline of
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
	// Like the roster, each query resolves the filter itself.
	where, args, err := h.where(ctx, q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := listOut{Items: []cadre.Cadre{}, Limit: limit, Offset: offset}
	count := "SELECT count(*) FROM (SELECT 1 FROM cadres AS c WHERE " + where + " LIMIT " + strconv.Itoa(CountCap+1) + ") AS m"
	if err := h.db.QueryRowContext(ctx, h.ph(count), args...).Scan(&out.Total); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Total, out.TotalCapped = min(out.Total, CountCap), out.Total > CountCap
	if where, args, err = h.where(ctx, q); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
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

// where builds the roster's filter conditions (core/cadre/roster Filter):
// active cadres by default, a unit or its subtree, title, employment, a
// planning pool.
func (h *plain) where(ctx context.Context, q map[string][]string) (string, []any, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	tenant := get("tenant")
	conds := []string{"c.tenant_id = ?", "c.status = ?"}
	args := []any{tenant, cadre.Active}
	if u := get("unit"); u != "" {
		units := []string{u}
		if get("subtree") == "true" {
			var err error
			if units, err = h.subtree(ctx, tenant, u); err != nil {
				return "", nil, err
			}
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(units)), ", ")
		conds = append(conds, "c.unit_id IN ("+marks+")")
		for _, id := range units {
			args = append(args, id)
		}
	}
	if v := get("title"); v != "" {
		conds, args = append(conds, "c.title = ?"), append(args, v)
	}
	if v := get("employment"); v != "" {
		conds, args = append(conds, "c.employment = ?"), append(args, v)
	}
	switch v := get("planning"); v {
	case "":
	case "any":
		conds = append(conds, "c.id IN (SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL)")
		args = append(args, tenant)
	default:
		conds = append(conds, "c.id IN (SELECT pl.cadre_id FROM cadre_planning pl WHERE pl.tenant_id = ? AND pl.until_on IS NULL AND pl.title = ?)")
		args = append(args, tenant, v)
	}
	return "(" + strings.Join(conds, ") AND (") + ")", args, nil
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
