-- Org units of a tenant, as a tree (see the PostgreSQL migration for the
-- design). SQLite compares text in byte order, so the path index serves
-- LIKE-free range scans: path >= prefix AND path < prefix || '~'.
CREATE TABLE units (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    parent_id      TEXT NOT NULL DEFAULT '',
    path           TEXT NOT NULL,
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    name_fold      TEXT NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('tw', 'tinh', 'huyen', 'co_so', 'chi_doan')),
    difficult_area BOOLEAN NOT NULL DEFAULT FALSE,
    special_area   BOOLEAN NOT NULL DEFAULT FALSE,
    security_area  BOOLEAN NOT NULL DEFAULT FALSE,
    valid_from     TEXT,
    valid_to       TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX units_code ON units (tenant_id, code);
CREATE INDEX units_parent ON units (tenant_id, parent_id);
CREATE INDEX units_path ON units (tenant_id, path);
