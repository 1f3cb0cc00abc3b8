-- Name searches match whole words in order, the last one as a prefix
-- ("van an" finds "Nguyễn Văn Anh"): (' ' || name_fold) LIKE '% van an%'.
-- Under row-level security PostgreSQL uses an index only for leakproof
-- operators (the policy must run first), and neither LIKE nor the trigram
-- and text-search operators are leakproof: the trigram index of 0041 went
-- unused for the application role. So each name is also stored as its word
-- suffixes ("nguyen van an", "van an", "an"), and a search is one range scan
-- of a plain btree with text comparisons, which are leakproof:
-- suffix >= 'van an' AND suffix < 'van an' || U+10FFFF. The status and unit
-- are kept with the suffixes, so a search, in a unit subtree or not, is
-- counted from this index alone and narrowed before any cadre is read.
-- Triggers keep the suffixes in step with cadres.
DROP INDEX IF EXISTS cadres_name_trgm;

CREATE TABLE cadre_name_suffixes (
    tenant_id TEXT NOT NULL,
    suffix    TEXT COLLATE "C" NOT NULL,
    status    TEXT NOT NULL,
    unit_id   TEXT NOT NULL,
    cadre_id  TEXT NOT NULL
);
CREATE INDEX cadre_name_suffixes_suffix ON cadre_name_suffixes (tenant_id, suffix, status) INCLUDE (unit_id, cadre_id);
CREATE INDEX cadre_name_suffixes_cadre ON cadre_name_suffixes (tenant_id, cadre_id);
ALTER TABLE cadre_name_suffixes ENABLE ROW LEVEL SECURITY;
ALTER TABLE cadre_name_suffixes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cadre_name_suffixes USING (app_tenant_ok(tenant_id)) WITH CHECK (app_tenant_ok(tenant_id));

CREATE FUNCTION cadre_name_suffixes_of(name TEXT) RETURNS SETOF TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(w[i:], ' ') FROM (SELECT string_to_array(name, ' ') AS w) s, generate_subscripts(s.w, 1) AS i $$;

CREATE FUNCTION cadre_name_suffixes_sync() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM cadre_name_suffixes WHERE tenant_id = OLD.tenant_id AND cadre_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO cadre_name_suffixes (tenant_id, suffix, status, unit_id, cadre_id)
            SELECT NEW.tenant_id, s, NEW.status, NEW.unit_id, NEW.id FROM cadre_name_suffixes_of(NEW.name_fold) AS s;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cadres_name_suffixes AFTER INSERT OR DELETE OR UPDATE OF tenant_id, id, name_fold, status, unit_id ON cadres
    FOR EACH ROW EXECUTE FUNCTION cadre_name_suffixes_sync();

INSERT INTO cadre_name_suffixes (tenant_id, suffix, status, unit_id, cadre_id)
    SELECT c.tenant_id, s, c.status, c.unit_id, c.id FROM cadres c, cadre_name_suffixes_of(c.name_fold) AS s;

-- The sort index also carries the search column, so a search can walk the
-- roster in sort order testing names without reading the table.
DROP INDEX cadres_sort;
CREATE INDEX cadres_sort ON cadres (tenant_id, status, sort_key, id) INCLUDE (name_fold);
