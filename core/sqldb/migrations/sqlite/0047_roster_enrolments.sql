-- Training enrolments: a cadre's training history, one row per class or
-- course the cadre took. The programme is a snapshot (code, name, group as
-- they were), so the history survives catalogue changes; class_id names a
-- planned class of origin_tenant_id's plans when the training was planned.
-- origin_tenant_id is the tenant where the training was earned: a transfer
-- copies the rows into the receiving tenant and keeps it.
--
-- WITHOUT ROWID, clustered on (tenant, cadre, id): "history of a cadre" is
-- one key range of the table itself, and a bulk load of 2,000,000 rows
-- writes two b-trees instead of four. cadre_enrolments_kpi serves the KPI
-- counts by (tenant, year, programme group, result); it carries the
-- primary key, so cadre_id is in the index too.
CREATE TABLE cadre_enrolments (
    tenant_id        TEXT NOT NULL,
    cadre_id         TEXT NOT NULL,
    id               TEXT NOT NULL,
    program_code     TEXT NOT NULL,
    program_name     TEXT NOT NULL,
    program_group    TEXT NOT NULL,
    class_id         TEXT NOT NULL DEFAULT '',
    year             INTEGER NOT NULL,
    start_on         TEXT NOT NULL,
    end_on           TEXT,
    hours            INTEGER NOT NULL DEFAULT 0 CHECK (hours >= 0),
    result           TEXT NOT NULL CHECK (result IN ('in_progress', 'completed', 'not_completed')),
    completed_on     TEXT,
    certificate_no   TEXT NOT NULL DEFAULT '',
    origin_tenant_id TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, cadre_id, id)
) WITHOUT ROWID;
CREATE INDEX cadre_enrolments_kpi ON cadre_enrolments (tenant_id, year, program_group, result);
