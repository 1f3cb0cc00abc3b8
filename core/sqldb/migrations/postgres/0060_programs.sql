-- Programme catalogue (core/program). Groups and titles are reference data shared by
-- every tenant (loaded by `doanbd seed` from configs/seed/programs.yaml), so they
-- carry no tenant and no row-level security.
CREATE TABLE program_groups (
    code        TEXT PRIMARY KEY,
    owner_level TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    sort        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE program_titles (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    level           TEXT NOT NULL DEFAULT '',
    key_title       BOOLEAN NOT NULL DEFAULT FALSE,
    max_age_first   INTEGER,
    max_age_serving INTEGER,
    sort            INTEGER NOT NULL DEFAULT 0
);
-- Central programmes belong to tenant 'tw'; a variant belongs to the tenant that
-- made it and points at its base programme.
CREATE TABLE programs (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_en         TEXT NOT NULL DEFAULT '',
    group_code      TEXT NOT NULL,
    audience        JSONB NOT NULL,
    modules         JSONB NOT NULL,
    total_hours     INTEGER NOT NULL,
    assessment      TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    base_program_id TEXT NOT NULL DEFAULT '',
    base_version    INTEGER NOT NULL DEFAULT 0,
    changes         JSONB NOT NULL DEFAULT '[]',
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX programs_code ON programs (tenant_id, code);
CREATE INDEX programs_group ON programs (tenant_id, group_code, status);
CREATE INDEX programs_base ON programs (tenant_id, base_program_id);
ALTER TABLE programs ENABLE ROW LEVEL SECURITY;
ALTER TABLE programs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON programs USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
-- The published central catalogue is readable by every tenant (policies are OR-ed).
CREATE POLICY central_catalogue ON programs FOR SELECT USING (tenant_id = 'tw' AND status IN ('published', 'retired'));
-- Each submission of a variant keeps the variant as it was sent (JSON).
CREATE TABLE program_versions (
    tenant_id    TEXT NOT NULL,
    program_id   TEXT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    snapshot     JSONB NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, program_id, version)
);
ALTER TABLE program_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE program_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON program_versions USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
