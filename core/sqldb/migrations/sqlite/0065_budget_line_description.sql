-- A budget line's own wording: CostNorms plugins describe their lines (several
-- lines may share an item); lines from rate tables leave it empty.
ALTER TABLE budget_lines ADD COLUMN description TEXT NOT NULL DEFAULT '';
