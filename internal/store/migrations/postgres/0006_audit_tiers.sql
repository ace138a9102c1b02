-- Audit tiers (docs/audit.md): per-minute rollups of every request, and
-- per-minute summaries of the refusals over their budget. minute is the start
-- of the minute. h0..h12 count requests per latency bucket: <=1, 2.5, 5, 10,
-- 25, 50, 100, 250, 500, 1000, 2500, 5000 ms, and slower
-- (internal/audit.LatencyBoundsMS).
CREATE TABLE audit_rollups (
    minute         TIMESTAMPTZ      NOT NULL,
    api            TEXT             NOT NULL,
    route          TEXT             NOT NULL,
    consumer       TEXT             NOT NULL,
    status_class   INTEGER          NOT NULL,
    decision       TEXT             NOT NULL,
    count          BIGINT           NOT NULL,
    latency_sum_ms DOUBLE PRECISION NOT NULL,
    h0 BIGINT NOT NULL DEFAULT 0, h1 BIGINT NOT NULL DEFAULT 0, h2 BIGINT NOT NULL DEFAULT 0,
    h3 BIGINT NOT NULL DEFAULT 0, h4 BIGINT NOT NULL DEFAULT 0, h5 BIGINT NOT NULL DEFAULT 0,
    h6 BIGINT NOT NULL DEFAULT 0, h7 BIGINT NOT NULL DEFAULT 0, h8 BIGINT NOT NULL DEFAULT 0,
    h9 BIGINT NOT NULL DEFAULT 0, h10 BIGINT NOT NULL DEFAULT 0, h11 BIGINT NOT NULL DEFAULT 0,
    h12 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, api, route, consumer, status_class, decision)
);
-- samples holds up to a few request ids of the summarised refusals, space-separated.
CREATE TABLE audit_refusals (
    minute    TIMESTAMPTZ NOT NULL,
    client_ip TEXT        NOT NULL,
    reason    TEXT        NOT NULL,
    route     TEXT        NOT NULL,
    count     BIGINT      NOT NULL,
    samples   TEXT        NOT NULL DEFAULT '',
    PRIMARY KEY (minute, client_ip, reason, route)
);
