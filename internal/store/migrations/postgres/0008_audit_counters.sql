-- Console counters (docs/console.md): what the dashboard charts, counted by
-- the audit pipeline for every request at three granularities (span: 60,
-- 3600 or 86400 seconds), so that a 30-day view reads a few thousand rows
-- instead of millions of events. bucket is the start of the span. dim is what
-- key names: total (key ''), consumer, route (api/route), client (refusals
-- only; with their reasons at the minute span) or latency (key = histogram
-- bucket 00..12).
CREATE TABLE audit_counters (
    span     INTEGER     NOT NULL,
    dim      TEXT        NOT NULL,
    bucket   TIMESTAMPTZ NOT NULL,
    key      TEXT        NOT NULL,
    decision TEXT        NOT NULL,
    reason   TEXT        NOT NULL,
    count    BIGINT      NOT NULL,
    -- count rides in the key's index, so the dashboard's range scans are
    -- index-only instead of one heap page per row.
    PRIMARY KEY (span, dim, bucket, key, decision, reason) INCLUDE (count)
);
-- The console's audit search filters by these, newest first, and its alerts
-- read recent events by decision.
CREATE INDEX audit_events_decision_ts_idx ON audit_events (decision, ts);
CREATE INDEX audit_events_principal_idx ON audit_events (principal);
CREATE INDEX audit_events_client_ip_idx ON audit_events (client_ip);
CREATE INDEX audit_events_reason_idx ON audit_events (reason);
