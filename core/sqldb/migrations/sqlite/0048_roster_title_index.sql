-- PostgreSQL only (a covering title index, see postgres/0048): SQLite's
-- planner counts these lists well from the existing indexes.
SELECT 1;
