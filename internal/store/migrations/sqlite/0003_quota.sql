-- Quota usage: requests counted per consumer key and calendar period.
-- period_start is the period's first instant (local midnight or first of the
-- month in the quota's time zone) as microseconds since the Unix epoch, UTC;
-- updated_at likewise. Nodes add their deltas with an upsert.
CREATE TABLE quota_usage (
    key          TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (key, period_start)
);
CREATE INDEX quota_usage_period_idx ON quota_usage (period_start, key);
