package rosterbench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"doanbd/core/cadre"
	"doanbd/core/cadre/roster"
	"doanbd/core/sqldb"
)

// cadreCols are the columns a bulk insert writes.
var cadreCols = []string{"tenant_id", "id", "full_name", "name_fold", "sort_key", "birth_date", "gender", "phone", "email",
	"unit_id", "title", "employment", "status", "cccd_enc", "cccd_hash", "ethnicity_enc", "religion_enc",
	"transferred_to", "prev_tenant", "prev_id", "created_at", "updated_at"}

var planningCols = []string{"tenant_id", "id", "cadre_id", "title", "since_on", "note", "created_at"}

var positionCols = []string{"tenant_id", "id", "cadre_id", "kind", "unit_id", "title", "started_on", "decision", "note", "created_at"}

// Rows are prepared cadres ready for a bulk insert, with the first entry of
// each one's position history and the planning-pool places of some: the
// records an import creates.
type Rows struct {
	Cadres    [][]any
	Positions [][]any
	Planning  [][]any
}

// Prepare generates n cadres (from index first) in their stored form:
// normalised, search and sort columns computed, sensitive fields sealed.
// About one in twenty is put in a planning pool.
func Prepare(s *roster.Service, tr Tree, tenant string, r *rand.Rand, first, n int) Rows {
	now := time.Now().UTC()
	var out Rows
	for i := first; i < first+n; i++ {
		in := Person(r, tr, i)
		in.Normalize()
		p := s.Prepare(sqldb.NewID(), &in)
		var hash any
		if p.CCCDHash != "" {
			hash = p.CCCDHash
		}
		out.Cadres = append(out.Cadres, []any{tenant, p.ID, p.FullName, p.NameFold, p.SortKey, p.BirthDate.String(),
			p.Gender, p.Phone, p.Email, p.UnitID, p.Title, p.Employment, cadre.Active, p.CCCDEnc, hash,
			p.EthnicityEnc, p.ReligionEnc, "", "", "", now, now})
		out.Positions = append(out.Positions, []any{tenant, sqldb.NewID(), p.ID, cadre.Appointed, p.UnitID, p.Title,
			in.PositionSince.String(), "", "", now})
		if title := PlanningFor(r); title != "" {
			out.Planning = append(out.Planning, []any{tenant, sqldb.NewID(), p.ID, title, "2024-01-01", "", now})
		}
	}
	return out
}

// Insert writes rows with multi-row INSERT statements (prepared once, bound
// parameters) in one transaction scoped to tenant: what a hand-written bulk
// import would do, and the baseline of the import benchmark.
func Insert(ctx context.Context, db *sqldb.DB, tenant string, rows Rows) error {
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk insert: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk insert: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if db.Dialect == sqldb.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenants', $1, true)", tenant); err != nil {
			return fmt.Errorf("bulk insert: set tenant: %w", err)
		}
	}
	if err := insertAll(ctx, tx, db.Dialect, "cadres", cadreCols, rows.Cadres); err != nil {
		return err
	}
	if err := insertAll(ctx, tx, db.Dialect, "cadre_positions", positionCols, rows.Positions); err != nil {
		return err
	}
	if err := insertAll(ctx, tx, db.Dialect, "cadre_planning", planningCols, rows.Planning); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bulk insert: commit: %w", err)
	}
	return nil
}

// rowsPerStatement keeps statements under SQLite's 32,766 and PostgreSQL's
// 65,535 bound parameters.
const rowsPerStatement = 500

func insertAll(ctx context.Context, tx *sql.Tx, dialect, table string, cols []string, rows [][]any) error {
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	for lo := 0; lo < len(rows); lo += rowsPerStatement {
		chunk := rows[lo:min(lo+rowsPerStatement, len(rows))]
		st := stmts[len(chunk)]
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, sqldb.MultiInsert(dialect, table, cols, len(chunk))); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", table, err)
			}
			stmts[len(chunk)] = st
		}
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("bulk insert into %s: %w", table, err)
		}
	}
	return nil
}

// Load fills tenant with n synthetic cadres in batches of 10,000 (one
// transaction each, so memory stays bounded). It returns the unit tree it
// made. Run ANALYZE afterwards as the tables' owner.
func Load(ctx context.Context, s *roster.Service, tenant string, n int, seed uint64) (Tree, error) {
	districts := max(2, min(30, n/10_000))
	tr, err := Units(ctx, s, tenant, districts, 10, 4)
	if err != nil {
		return tr, fmt.Errorf("synthetic units: %w", err)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	const batch = 10_000
	for first := 0; first < n; first += batch {
		if err := Insert(ctx, s.DB(), tenant, Prepare(s, tr, tenant, r, first, min(batch, n-first))); err != nil {
			return tr, err
		}
	}
	return tr, nil
}
