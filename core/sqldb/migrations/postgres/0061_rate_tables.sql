-- Rate tables (định mức chi) of core/budget: each tenant keeps its own, with
-- effective dates; a class is costed with the table in force on its start date.
CREATE TABLE rate_tables (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    effective_from DATE NOT NULL,
    effective_to   DATE,
    basis          TEXT NOT NULL DEFAULT '',
    example        BOOLEAN NOT NULL DEFAULT FALSE,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX rate_tables_from ON rate_tables (tenant_id, effective_from);
-- Amounts in integer đồng per unit (session, learner, day, learner-day, class).
CREATE TABLE rate_items (
    tenant_id      TEXT NOT NULL,
    table_id       TEXT NOT NULL REFERENCES rate_tables (id) ON DELETE CASCADE,
    item           TEXT NOT NULL,
    rank           TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount >= 0),
    funding_source TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, table_id, item, rank)
);
ALTER TABLE rate_tables ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_tables FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rate_tables USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE rate_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rate_items USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
