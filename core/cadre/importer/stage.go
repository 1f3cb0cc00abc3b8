package importer

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"

	"doanbd/core/sqldb"
)

// stagedCols are the columns of cadre_import_rows, in stagedRow's order.
var stagedCols = []string{"tenant_id", "import_id", "row_no", "valid", "cadre_id", "full_name", "name_fold", "sort_key",
	"birth_date", "gender", "phone", "email", "unit_id", "title", "employment", "cccd_enc", "cccd_hash",
	"ethnicity_enc", "religion_enc", "position_id", "position_since", "planning_id", "planning_title", "planning_since"}

func (r *stagedRow) values() []any {
	var hash any
	if r.CCCDHash != "" {
		hash = r.CCCDHash
	}
	return []any{r.TenantID, r.ImportID, r.RowNo, r.Valid, r.CadreID, r.FullName, r.NameFold, r.SortKey,
		r.BirthDate, r.Gender, r.Phone, r.Email, r.UnitID, r.Title, r.Employment, r.CCCDEnc, hash,
		r.EthnicityEnc, r.ReligionEnc, r.PositionID, r.PositionSince, r.PlanningID, r.PlanningTitle, r.PlanningSince}
}

// stageRowsPerStatement keeps a statement under SQLite's 32,766 and
// PostgreSQL's 65,535 bound parameters.
const stageRowsPerStatement = 1000

// insertStaged writes staged rows with prepared multi-row INSERTs and bound
// parameters (ciphertexts travel as binary, not as SQL text).
func insertStaged(ctx context.Context, tx bun.Tx, dialect string, rows []stagedRow) error {
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	for lo := 0; lo < len(rows); lo += stageRowsPerStatement {
		chunk := rows[lo:min(lo+stageRowsPerStatement, len(rows))]
		st := stmts[len(chunk)]
		if st == nil {
			var err error
			if st, err = tx.Tx.PrepareContext(ctx, sqldb.MultiInsert(dialect, "cadre_import_rows", stagedCols, len(chunk))); err != nil {
				return fmt.Errorf("stage rows: %w", err)
			}
			stmts[len(chunk)] = st
		}
		args := make([]any, 0, len(chunk)*len(stagedCols))
		for i := range chunk {
			args = append(args, chunk[i].values()...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("stage rows: %w", err)
		}
	}
	return nil
}
