-- The full-text index also holds each cadre's unit, so a name search in a
-- unit subtree is answered by the index alone (the words AND one of the
-- units) instead of by every match of a common name.
DROP TRIGGER cadres_fts_insert;
DROP TRIGGER cadres_fts_delete;
DROP TRIGGER cadres_fts_update;
DROP TABLE cadres_fts;
CREATE VIRTUAL TABLE cadres_fts USING fts5(
    tenant_id, unit_id, name_fold, content = '', contentless_delete = 1, prefix = '2 3', tokenize = 'unicode61'
);
CREATE TRIGGER cadres_fts_insert AFTER INSERT ON cadres BEGIN
    INSERT INTO cadres_fts (rowid, tenant_id, unit_id, name_fold) VALUES (new.rid, new.tenant_id, new.unit_id, new.name_fold);
END;
CREATE TRIGGER cadres_fts_delete AFTER DELETE ON cadres BEGIN
    DELETE FROM cadres_fts WHERE rowid = old.rid;
END;
CREATE TRIGGER cadres_fts_update AFTER UPDATE OF tenant_id, unit_id, name_fold ON cadres BEGIN
    DELETE FROM cadres_fts WHERE rowid = old.rid;
    INSERT INTO cadres_fts (rowid, tenant_id, unit_id, name_fold) VALUES (new.rid, new.tenant_id, new.unit_id, new.name_fold);
END;
INSERT INTO cadres_fts (rowid, tenant_id, unit_id, name_fold) SELECT rid, tenant_id, unit_id, name_fold FROM cadres;
