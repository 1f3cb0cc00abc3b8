-- The national budget estimate of a year, compiled by the central office from
-- the centrally funded lines of approved plans; the budget_consolidation
-- workflow runs on it (subject "budget", id = the year).
CREATE TABLE budget_estimates (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    year         INTEGER NOT NULL,
    status       TEXT NOT NULL,
    total        INTEGER NOT NULL DEFAULT 0,
    plans        INTEGER NOT NULL DEFAULT 0,
    data         TEXT NOT NULL DEFAULT '{}',
    computed_at  TIMESTAMP,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
