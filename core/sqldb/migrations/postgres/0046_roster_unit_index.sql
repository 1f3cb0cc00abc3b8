-- Lists of a unit or subtree also filtered by employment or title are
-- counted from the unit index alone.
DROP INDEX cadres_unit;
CREATE INDEX cadres_unit ON cadres (tenant_id, unit_id, status, sort_key) INCLUDE (employment, title);
