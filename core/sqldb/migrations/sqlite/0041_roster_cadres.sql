-- The cadre roster. Text is stored NFC. name_fold is the search form of the
-- name (no diacritics, đ→d, lower case); sort_key orders names the Vietnamese
-- way (given name first, Vietnamese letter order) and compares byte by byte
-- (SQLite's BINARY collation). CCCD, ethnicity and religion are AES-256-GCM
-- ciphertexts; cccd_hash is a keyed HMAC of the CCCD for exact lookups and
-- duplicate detection (unique among a tenant's active cadres).
CREATE TABLE cadres (
    rid            INTEGER PRIMARY KEY, -- stable rowid: the full-text index refers to it
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    full_name      TEXT NOT NULL,
    name_fold      TEXT NOT NULL,
    sort_key       TEXT NOT NULL,
    birth_date     TEXT,
    gender         TEXT NOT NULL CHECK (gender IN ('nam', 'nu', 'khac')),
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    unit_id        TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    employment     TEXT NOT NULL CHECK (employment IN ('chuyen_trach', 'ban_chuyen_trach', 'kiem_nhiem')),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left', 'transferred_out')),
    left_on        TEXT,
    cccd_enc       BLOB,
    cccd_hash      TEXT,
    ethnicity_enc  BLOB,
    religion_enc   BLOB,
    transferred_to TEXT NOT NULL DEFAULT '',
    prev_tenant    TEXT NOT NULL DEFAULT '',
    prev_id        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX cadres_sort ON cadres (tenant_id, status, sort_key, id);
CREATE INDEX cadres_unit ON cadres (tenant_id, unit_id, status, sort_key);
CREATE INDEX cadres_title ON cadres (tenant_id, title, status, sort_key);
CREATE INDEX cadres_employment ON cadres (tenant_id, employment, status, sort_key);
CREATE UNIQUE INDEX cadres_cccd ON cadres (tenant_id, cccd_hash) WHERE cccd_hash IS NOT NULL AND status = 'active';
CREATE INDEX cadres_cccd_any ON cadres (tenant_id, cccd_hash) WHERE cccd_hash IS NOT NULL;

-- Diacritic-insensitive search: a contentless FTS5 index over the tenant and
-- the folded name, kept in step by triggers; searches match whole-word
-- prefixes ("van an" finds "Nguyễn Văn Anh").
CREATE VIRTUAL TABLE cadres_fts USING fts5(
    tenant_id, name_fold, content = '', contentless_delete = 1, prefix = '2 3', tokenize = 'unicode61'
);
CREATE TRIGGER cadres_fts_insert AFTER INSERT ON cadres BEGIN
    INSERT INTO cadres_fts (rowid, tenant_id, name_fold) VALUES (new.rid, new.tenant_id, new.name_fold);
END;
CREATE TRIGGER cadres_fts_delete AFTER DELETE ON cadres BEGIN
    DELETE FROM cadres_fts WHERE rowid = old.rid;
END;
CREATE TRIGGER cadres_fts_update AFTER UPDATE OF tenant_id, name_fold ON cadres BEGIN
    DELETE FROM cadres_fts WHERE rowid = old.rid;
    INSERT INTO cadres_fts (rowid, tenant_id, name_fold) VALUES (new.rid, new.tenant_id, new.name_fold);
END;

-- Position history: appointments, moves, leaving, transfers.
CREATE TABLE cadre_positions (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    cadre_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('appointed', 'moved', 'left', 'transfer_in', 'transfer_out')),
    unit_id    TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    started_on TEXT,
    ended_on   TEXT,
    decision   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_positions_cadre ON cadre_positions (tenant_id, cadre_id, created_at);

-- Planning pool (quy hoạch) for key titles; until_on NULL = still in the pool.
CREATE TABLE cadre_planning (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    cadre_id   TEXT NOT NULL,
    title      TEXT NOT NULL,
    since_on   TEXT NOT NULL,
    until_on   TEXT,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cadre_planning_cadre ON cadre_planning (tenant_id, cadre_id);
CREATE INDEX cadre_planning_open ON cadre_planning (tenant_id, title, cadre_id) WHERE until_on IS NULL;

-- Transfers between tenants. tenant_id is the source; the target reads its
-- incoming transfers too.
CREATE TABLE cadre_transfers (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
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
CREATE INDEX cadre_transfers_from ON cadre_transfers (tenant_id, created_at);
CREATE INDEX cadre_transfers_to ON cadre_transfers (to_tenant, created_at);
CREATE UNIQUE INDEX cadre_transfers_pending ON cadre_transfers (tenant_id, from_cadre_id) WHERE status = 'pending';
