-- Plans of core/plan: a period plan (2023–2027) with yearly targets, annual plans
-- that belong to it, and sub-plans of units that roll into the tenant's plan.
-- status is owned by the workflow engine; version counts submissions (snapshots
-- of earlier versions are kept in plan_versions). merged_from names the ended
-- tenant a draft plan came from in a merge, so it does not collide with the
-- successor's own plan of the same year.
CREATE TABLE plans (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    year           INTEGER NOT NULL,
    period_from    INTEGER NOT NULL,
    period_to      INTEGER NOT NULL,
    title          TEXT NOT NULL,
    status         TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    period_plan_id TEXT NOT NULL DEFAULT '',
    parent_plan_id TEXT NOT NULL DEFAULT '',
    unit_id        TEXT NOT NULL DEFAULT '',
    merged_from    TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX plans_one_per_year ON plans (tenant_id, kind, year, unit_id, merged_from);
CREATE INDEX plans_status ON plans (tenant_id, status, year);
CREATE INDEX plans_parent ON plans (tenant_id, parent_plan_id);
CREATE INDEX plans_period ON plans (tenant_id, period_plan_id);
-- Yearly targets of a period plan: classes and learners per programme group
-- (dimension 'group'), money per funding source (dimension 'source').
CREATE TABLE plan_targets (
    tenant_id TEXT NOT NULL,
    plan_id   TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    year      INTEGER NOT NULL,
    dimension TEXT NOT NULL,
    key       TEXT NOT NULL,
    classes   INTEGER NOT NULL DEFAULT 0,
    learners  INTEGER NOT NULL DEFAULT 0,
    amount    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, plan_id, year, dimension, key)
);
-- Planned classes. The programme is copied in (code, name, group, version) so a
-- plan keeps reading the same when the catalogue moves on; program_source is
-- 'catalog' or 'plugin:<name>' for a plugin's local programme.
CREATE TABLE plan_classes (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    plan_id         TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    program_id      TEXT NOT NULL DEFAULT '',
    program_source  TEXT NOT NULL,
    program_code    TEXT NOT NULL,
    program_name    TEXT NOT NULL,
    program_group   TEXT NOT NULL,
    program_version INTEGER NOT NULL DEFAULT 0,
    target_group    TEXT NOT NULL,
    learners        INTEGER NOT NULL,
    start_date      TEXT NOT NULL,
    end_date        TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    venue_kind      TEXT NOT NULL,
    format          TEXT NOT NULL,
    priority_area   BOOLEAN NOT NULL DEFAULT FALSE,
    lecturer_rank   TEXT NOT NULL DEFAULT '',
    funding_source  TEXT NOT NULL DEFAULT '',
    nominees        TEXT NOT NULL,
    budget_source   TEXT NOT NULL DEFAULT '',
    budget_note     TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX plan_classes_plan ON plan_classes (tenant_id, plan_id, seq);
-- One row per submitted version: the whole plan (classes, lines, totals) as JSON.
CREATE TABLE plan_versions (
    tenant_id    TEXT NOT NULL,
    plan_id      TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    snapshot     TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, plan_id, version)
);
