-- Rate tables (định mức chi) of core/budget: each tenant keeps its own, with
-- effective dates (TEXT 'YYYY-MM-DD'); a class is costed with the table in force
-- on its start date.
CREATE TABLE rate_tables (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to   TEXT,
    basis          TEXT NOT NULL DEFAULT '',
    example        BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX rate_tables_from ON rate_tables (tenant_id, effective_from);
-- Amounts in integer đồng per unit (session, learner, day, learner-day, class).
CREATE TABLE rate_items (
    tenant_id      TEXT NOT NULL,
    table_id       TEXT NOT NULL REFERENCES rate_tables (id) ON DELETE CASCADE,
    item           TEXT NOT NULL,
    rank           TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    funding_source TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, table_id, item, rank)
);
