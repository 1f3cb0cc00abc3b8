-- The capabilities a plugin declared when the tenant enabled it, so that a
-- plugin later uninstalled still blocks plan checks if it checked plans (and
-- only then). Comma-separated manifest names; empty for rows from before.
ALTER TABLE plugin_tenants ADD COLUMN capabilities TEXT NOT NULL DEFAULT '';
