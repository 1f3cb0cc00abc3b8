-- Last status a server process reported for each installed plugin (ok, or
-- failed with the reason), so `doanbd plugin list` shows what the running
-- servers saw. Platform bookkeeping, not tenant data.
CREATE TABLE plugin_status (
    plugin     TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    reporter   TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
