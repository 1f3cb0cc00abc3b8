-- Transactional outbox: jobs recorded in the same transaction as the data change.
-- Platform bookkeeping, not tenant data: the relay reads across tenants, so no RLS here;
-- every handler re-checks the tenant it is given.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     BYTEA NOT NULL,
    process_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    enqueued_at TIMESTAMPTZ,
    done_at     TIMESTAMPTZ,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (enqueued_at, created_at) WHERE done_at IS NULL;
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;
