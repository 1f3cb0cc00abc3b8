-- A transfer is recorded on both sides: one row in the source tenant
-- (side 'out') and one in the target (side 'in'), same id, kept in step in
-- one transaction over both tenants. Each row is its own tenant's data.
DROP TABLE cadre_transfers;
CREATE TABLE cadre_transfers (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('out', 'in')),
    from_tenant   TEXT NOT NULL,
    to_tenant     TEXT NOT NULL,
    from_cadre_id TEXT NOT NULL,
    to_cadre_id   TEXT NOT NULL DEFAULT '',
    to_unit_id    TEXT NOT NULL DEFAULT '',
    cadre_name    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
    transfer_on   TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_transfers_created ON cadre_transfers (tenant_id, created_at);
CREATE INDEX cadre_transfers_cadre ON cadre_transfers (tenant_id, from_cadre_id);
CREATE UNIQUE INDEX cadre_transfers_pending ON cadre_transfers (tenant_id, from_cadre_id) WHERE status = 'pending' AND side = 'out';
