-- Audit events: one row per request decision (internal/audit.Event).
-- ts is TIMESTAMPTZ (microsecond precision); the store writes it truncated to microseconds.
CREATE TABLE audit_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts         TIMESTAMPTZ      NOT NULL,
    request_id TEXT             NOT NULL,
    api        TEXT             NOT NULL,
    route      TEXT             NOT NULL,
    method     TEXT             NOT NULL,
    path       TEXT             NOT NULL,
    client_ip  TEXT             NOT NULL,
    principal  TEXT             NOT NULL,
    decision   TEXT             NOT NULL,
    reason     TEXT             NOT NULL,
    status     INTEGER          NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    upstream   TEXT             NOT NULL
);
CREATE INDEX audit_events_ts_idx ON audit_events (ts);
CREATE INDEX audit_events_api_route_idx ON audit_events (api, route);
CREATE INDEX audit_events_request_id_idx ON audit_events (request_id);
