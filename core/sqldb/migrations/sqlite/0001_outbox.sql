-- Transactional outbox: jobs recorded in the same transaction as the data change.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     BLOB NOT NULL,
    process_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    enqueued_at TIMESTAMP,
    done_at     TIMESTAMP,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (enqueued_at, created_at) WHERE done_at IS NULL;
CREATE INDEX outbox_done ON outbox (done_at) WHERE done_at IS NOT NULL;
