-- The cadre roster. Text is stored NFC. name_fold is the search form of the
-- name (no diacritics, đ→d, lower case); sort_key orders names the Vietnamese
-- way (given name first, Vietnamese letter order) and must compare byte by
-- byte, hence COLLATE "C". CCCD, ethnicity and religion are AES-256-GCM
-- ciphertexts; cccd_hash is a keyed HMAC of the CCCD for exact lookups and
-- duplicate detection (unique among a tenant's active cadres).
CREATE TABLE cadres (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    full_name      TEXT NOT NULL,
    name_fold      TEXT NOT NULL,
    sort_key       TEXT COLLATE "C" NOT NULL,
    birth_date     DATE,
    gender         TEXT NOT NULL CHECK (gender IN ('nam', 'nu', 'khac')),
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    unit_id        TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    employment     TEXT NOT NULL CHECK (employment IN ('chuyen_trach', 'ban_chuyen_trach', 'kiem_nhiem')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'transferred_out')),
    left_on        DATE,
    cccd_enc       BYTEA,
    cccd_hash      TEXT,
    ethnicity_enc  BYTEA,
    religion_enc   BYTEA,
    transferred_to TEXT NOT NULL DEFAULT '',
    prev_tenant    TEXT NOT NULL DEFAULT '',
    prev_id        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadres_sort ON cadres (tenant_id, status, sort_key, id);
CREATE INDEX cadres_unit ON cadres (tenant_id, unit_id, status, sort_key);
CREATE INDEX cadres_title ON cadres (tenant_id, title, status, sort_key);
CREATE INDEX cadres_employment ON cadres (tenant_id, employment, status, sort_key);
CREATE UNIQUE INDEX cadres_cccd ON cadres (tenant_id, cccd_hash) WHERE cccd_hash IS NOT NULL AND status = 'active';
CREATE INDEX cadres_cccd_any ON cadres (tenant_id, cccd_hash) WHERE cccd_hash IS NOT NULL;

-- Diacritic-insensitive search: a trigram index on name_fold serves
-- name_fold LIKE '%…%'. CREATE EXTENSION needs a privileged role; where the
-- extension cannot be created the search still works, without the index.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%): cadre search runs without a trigram index', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX cadres_name_trgm ON cadres USING gin (name_fold gin_trgm_ops)';
    END IF;
END $$;

-- Position history: appointments, moves, leaving, transfers.
CREATE TABLE cadre_positions (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    cadre_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('appointed', 'moved', 'left', 'transfer_in', 'transfer_out')),
    unit_id    TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    started_on DATE,
    ended_on   DATE,
    decision   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_positions_cadre ON cadre_positions (tenant_id, cadre_id, created_at);

-- Planning pool (quy hoạch) for key titles; until_on NULL = still in the pool.
CREATE TABLE cadre_planning (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    cadre_id   TEXT NOT NULL,
    title      TEXT NOT NULL,
    since_on   DATE NOT NULL,
    until_on   DATE,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_planning_cadre ON cadre_planning (tenant_id, cadre_id);
CREATE INDEX cadre_planning_open ON cadre_planning (tenant_id, title, cadre_id) WHERE until_on IS NULL;

-- Transfers between tenants. tenant_id is the source; the target reads its
-- incoming transfers too, so the policy admits either side.
CREATE TABLE cadre_transfers (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    to_tenant     TEXT NOT NULL,
    from_cadre_id TEXT NOT NULL,
    to_cadre_id   TEXT NOT NULL DEFAULT '',
    to_unit_id    TEXT NOT NULL DEFAULT '',
    cadre_name    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled')),
    transfer_on   DATE NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_transfers_from ON cadre_transfers (tenant_id, created_at);
CREATE INDEX cadre_transfers_to ON cadre_transfers (to_tenant, created_at);
CREATE UNIQUE INDEX cadre_transfers_pending ON cadre_transfers (tenant_id, from_cadre_id) WHERE status = 'pending';

ALTER TABLE cadres ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadres FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadres USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_positions ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_positions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_positions USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_planning ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_planning FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_planning USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));
ALTER TABLE cadre_transfers ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_transfers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_transfers
    USING (app_tenant_ok(tenant_id) OR app_tenant_ok(to_tenant))
    WITH CHECK (app_tenant_ok(tenant_id) OR app_tenant_ok(to_tenant));
