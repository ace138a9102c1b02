-- Console counters (docs/console.md): what the dashboard charts, counted by
-- the audit pipeline for every request at three granularities (span: 60,
-- 3600 or 86400 seconds), so that a 30-day view reads a few thousand rows
-- instead of millions of events. bucket holds the start of the span in
-- microseconds since the Unix epoch, UTC, like ts. dim is what key names:
-- total (key ''), consumer, route (api/route), client (refusals only; with
-- their reasons at the minute span) or latency (key = histogram bucket 00..12).
CREATE TABLE audit_counters (
    span     INTEGER NOT NULL,
    dim      TEXT    NOT NULL,
    bucket   INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    decision TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (span, dim, bucket, key, decision, reason)
) WITHOUT ROWID; -- a range of buckets is one contiguous run of the table
-- The console's audit search filters by these, newest first, and its alerts
-- read recent events by decision.
CREATE INDEX audit_events_decision_ts_idx ON audit_events (decision, ts);
CREATE INDEX audit_events_principal_idx ON audit_events (principal);
CREATE INDEX audit_events_client_ip_idx ON audit_events (client_ip);
CREATE INDEX audit_events_reason_idx ON audit_events (reason);
