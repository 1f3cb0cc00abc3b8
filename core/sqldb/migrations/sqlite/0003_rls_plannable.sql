-- Row-level security exists only on PostgreSQL (see postgres/0003).
SELECT 1;
