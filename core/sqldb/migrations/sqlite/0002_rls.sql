-- Row-level security exists only on PostgreSQL; on SQLite every store method
-- filters by tenant itself (as it does on PostgreSQL too).
SELECT 1;
