-- Tenant registry: platform data (who exists), not tenant-owned data, so it is
-- read across tenants to resolve URLs. Dates are civil dates (valid_to is the
-- last day in force); parent and successor are slugs ('' for none), checked by
-- the application because seed data may name a successor listed later.
CREATE TABLE tenants (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('central', 'province', 'ministry', 'affiliated')),
    parent         TEXT NOT NULL DEFAULT '',
    code           TEXT NOT NULL DEFAULT '',
    valid_from     DATE,
    valid_to       DATE,
    successor      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    aggregate_only BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX tenants_parent ON tenants (parent);

-- Names with the date each took effect; 0001-01-01 marks the first name.
CREATE TABLE tenant_names (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    valid_from DATE NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, valid_from)
);
