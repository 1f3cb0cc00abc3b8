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
    created_at  TIMESTAMPTZ NOT NULL,
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
    created_at  TIMESTAMPTZ NOT NULL,
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
    state_entered_at   TIMESTAMPTZ NOT NULL,
    due_at             TIMESTAMPTZ,
    escalated          BOOLEAN NOT NULL DEFAULT FALSE,
    data               TEXT NOT NULL DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, subject_type, subject_id)
);
CREATE INDEX workflow_instances_state ON workflow_instances (tenant_id, state);
CREATE TABLE workflow_history (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    instance_id   TEXT NOT NULL REFERENCES workflow_instances (id),
    seq           INTEGER NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
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
CREATE TABLE workflow_steps (
    tenant_id     TEXT NOT NULL,
    instance_id   TEXT NOT NULL REFERENCES workflow_instances (id),
    lock_version  INTEGER NOT NULL,
    step          TEXT NOT NULL,
    done_by       TEXT NOT NULL,
    done_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, instance_id, lock_version, step)
);
CREATE TABLE workflow_delegations (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    from_user   TEXT NOT NULL,
    to_user     TEXT NOT NULL,
    starts_on   TIMESTAMPTZ NOT NULL,
    ends_on     TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
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
    created_at   TIMESTAMPTZ NOT NULL,
    read_at      TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, created_at);
CREATE TABLE email_log (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL
);
CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_tenant ON files (tenant_id, created_at);

ALTER TABLE workflow_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_overrides FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflow_overrides USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE workflow_instances ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_instances FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflow_instances USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE workflow_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflow_history USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE workflow_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflow_steps USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
-- workflow_delegations has no RLS: a delegation is between two users and is read by
-- user across tenants (the delegate acts wherever the delegator may); every query filters by user.
-- notifications has no RLS either: it is per user (every query filters by user_id).
ALTER TABLE email_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON email_log USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON files USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
-- History is append-only for the application role.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doanbd_app') THEN
        REVOKE UPDATE, DELETE ON workflow_history FROM doanbd_app;
    END IF;
END $$;
