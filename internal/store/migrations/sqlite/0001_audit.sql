-- Audit events: one row per request decision (internal/audit.Event).
-- ts holds microseconds since the Unix epoch, UTC: exact, sortable, compact.
-- AUTOINCREMENT keeps ids monotonic after pruning, so paging by id stays stable.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         INTEGER NOT NULL,
    request_id TEXT    NOT NULL,
    api        TEXT    NOT NULL,
    route      TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    client_ip  TEXT    NOT NULL,
    principal  TEXT    NOT NULL,
    decision   TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    latency_ms REAL    NOT NULL,
    upstream   TEXT    NOT NULL
);
CREATE INDEX audit_events_ts_idx ON audit_events (ts);
CREATE INDEX audit_events_api_route_idx ON audit_events (api, route);
CREATE INDEX audit_events_request_id_idx ON audit_events (request_id);
