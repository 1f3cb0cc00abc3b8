-- PostgreSQL adds a searchable table of name suffixes here; SQLite has no
-- row-level security and searches its FTS5 index. Both make the sort index
-- carry the search column, so a search can walk the roster in sort order
-- testing names without reading the table.
DROP INDEX cadres_sort;
CREATE INDEX cadres_sort ON cadres (tenant_id, status, sort_key, id, name_fold);
