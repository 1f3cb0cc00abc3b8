-- Excel imports of the roster. An upload is stored (cadre_import_files),
-- parsed in a background job into staged rows (cadre_import_rows: already
-- normalised, encrypted and given their cadre ids) and problems by row and
-- column (cadre_import_problems, paged to the user); a commit copies the
-- staged rows into the roster in one transaction. Progress is polled from
-- cadre_imports.
CREATE TABLE cadre_imports (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    file_size      BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('uploaded', 'parsing', 'parsed', 'failed', 'committing', 'committed', 'commit_failed')),
    mode           TEXT NOT NULL DEFAULT '',
    total_rows     INTEGER NOT NULL DEFAULT 0,
    valid_rows     INTEGER NOT NULL DEFAULT 0,
    error_rows     INTEGER NOT NULL DEFAULT 0,
    warning_rows   INTEGER NOT NULL DEFAULT 0,
    problem_count  INTEGER NOT NULL DEFAULT 0,
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    inserted       INTEGER NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',
    column_map     TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    committed_at   TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_imports_created ON cadre_imports (tenant_id, created_at);

CREATE TABLE cadre_import_files (
    tenant_id TEXT NOT NULL,
    import_id TEXT NOT NULL,
    content   BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, import_id)
);

CREATE TABLE cadre_import_rows (
    tenant_id      TEXT NOT NULL,
    import_id      TEXT NOT NULL,
    row_no         INTEGER NOT NULL,
    valid          BOOLEAN NOT NULL,
    cadre_id       TEXT NOT NULL,
    full_name      TEXT NOT NULL,
    name_fold      TEXT NOT NULL,
    sort_key       TEXT NOT NULL,
    birth_date     DATE,
    gender         TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    title          TEXT NOT NULL,
    employment     TEXT NOT NULL,
    cccd_enc       BYTEA,
    cccd_hash      TEXT,
    ethnicity_enc  BYTEA,
    religion_enc   BYTEA,
    position_id    TEXT NOT NULL,
    position_since DATE,
    planning_id    TEXT NOT NULL,
    planning_title TEXT NOT NULL,
    planning_since DATE,
    PRIMARY KEY (tenant_id, import_id, row_no)
);

CREATE TABLE cadre_import_problems (
    tenant_id   TEXT NOT NULL,
    import_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    row_no      INTEGER NOT NULL,
    column_name TEXT NOT NULL,
    field       TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    message     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, import_id, seq)
);

ALTER TABLE cadre_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_imports USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_import_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_import_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_import_files USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_import_rows ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_import_rows FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_import_rows USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_import_problems ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_import_problems FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_import_problems USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
