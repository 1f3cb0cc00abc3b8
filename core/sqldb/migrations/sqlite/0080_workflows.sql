-- Workflow definitions (shipped ones, and tenants' own overrides),
-- instances, append-only history, parallel steps, delegations, in-app notifications, files.
-- Shipped definitions are platform data (no tenant); a tenant's own versions
-- live in workflow_overrides under row-level security.
CREATE TABLE workflow_definitions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, hash)
);
CREATE TABLE workflow_overrides (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, name, version),
    UNIQUE (tenant_id, name, hash)
);
CREATE TABLE workflow_instances (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL,
    subject_type       TEXT NOT NULL,
    subject_id         TEXT NOT NULL,
    definition_id      TEXT NOT NULL, -- workflow_definitions or workflow_overrides
    state              TEXT NOT NULL,
    lock_version       INTEGER NOT NULL,
    author_id          TEXT NOT NULL,
    state_entered_at   TIMESTAMP NOT NULL,
    due_at             TIMESTAMP,
    escalated          INTEGER NOT NULL DEFAULT 0,
    data               TEXT NOT NULL DEFAULT '{}',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, subject_type, subject_id)
);
CREATE INDEX workflow_instances_state ON workflow_instances (tenant_id, state);
CREATE TABLE workflow_history (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    instance_id   TEXT NOT NULL REFERENCES workflow_instances (id),
    seq           INTEGER NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL DEFAULT '',
    on_behalf_of  TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    fields        TEXT NOT NULL DEFAULT '{}',
    UNIQUE (tenant_id, instance_id, seq)
);
CREATE TRIGGER workflow_history_no_update BEFORE UPDATE ON workflow_history
BEGIN SELECT RAISE(ABORT, 'workflow_history is append-only'); END;
CREATE TRIGGER workflow_history_no_delete BEFORE DELETE ON workflow_history
BEGIN SELECT RAISE(ABORT, 'workflow_history is append-only'); END;
CREATE TABLE workflow_steps (
    tenant_id     TEXT NOT NULL,
    instance_id   TEXT NOT NULL REFERENCES workflow_instances (id),
    lock_version  INTEGER NOT NULL,
    step          TEXT NOT NULL,
    done_by       TEXT NOT NULL,
    done_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, instance_id, lock_version, step)
);
CREATE TABLE workflow_delegations (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    from_user   TEXT NOT NULL,
    to_user     TEXT NOT NULL,
    starts_on   TIMESTAMP NOT NULL,
    ends_on     TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX workflow_delegations_to ON workflow_delegations (tenant_id, to_user);
CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    instance_id  TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    read_at      TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, created_at);
CREATE TABLE email_log (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    sent_at     TIMESTAMP NOT NULL
);
CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX files_tenant ON files (tenant_id, created_at);
