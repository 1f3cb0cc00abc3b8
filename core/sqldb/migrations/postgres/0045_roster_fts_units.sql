-- SQLite adds the unit to its full-text index here (0045); PostgreSQL's
-- suffix table already carries it (0044).
SELECT 1;
