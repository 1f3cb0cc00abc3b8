-- Row-level security exists only on PostgreSQL (see the PostgreSQL migration);
-- on SQLite core/program filters the central catalogue itself.
SELECT 1;
