-- Budget lines of a planned class (core/budget): computed from the tenant's rate
-- table in force on the class start date (or a CostNorms plugin); a planner may
-- override the amount with a reason, and both amounts are kept. amount is the
-- effective one (the override when set), stored so totals are a plain SUM.
CREATE TABLE budget_lines (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    plan_id         TEXT NOT NULL,
    class_id        TEXT NOT NULL REFERENCES plan_classes (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    item            TEXT NOT NULL,
    rank            TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    unit_amount     BIGINT NOT NULL,
    computed_amount BIGINT NOT NULL,
    override_amount BIGINT,
    override_reason TEXT NOT NULL DEFAULT '',
    overridden_by   TEXT NOT NULL DEFAULT '',
    overridden_at   TIMESTAMPTZ,
    amount          BIGINT NOT NULL,
    funding_source  TEXT NOT NULL,
    source          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX budget_lines_plan ON budget_lines (tenant_id, plan_id);
CREATE INDEX budget_lines_class ON budget_lines (tenant_id, class_id, seq);
ALTER TABLE budget_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE budget_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON budget_lines USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
