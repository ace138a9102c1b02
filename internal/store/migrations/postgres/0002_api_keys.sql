-- API keys: only HMAC-SHA-256(pepper, key) is stored, never the key.
-- Times are TIMESTAMPTZ (microsecond precision); NULL means "not set".
CREATE TABLE api_keys (
    id            TEXT        PRIMARY KEY,
    hash          BYTEA       NOT NULL,
    consumer      TEXT        NOT NULL,
    subject       TEXT        NOT NULL DEFAULT '',
    scopes        TEXT        NOT NULL DEFAULT '[]',
    roles         TEXT        NOT NULL DEFAULT '[]',
    metadata      TEXT        NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    replaced_by   TEXT,
    rotated_from  TEXT,
    overlap_until TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (hash);
CREATE INDEX api_keys_consumer_idx ON api_keys (consumer, created_at);

-- Key changes, polled by every gateway node to drop cached keys. Writers take
-- a table lock before inserting, so ids become visible in commit order and a
-- poller reading "events after id N" never skips one still in flight.
CREATE TABLE key_events (
    id     BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id TEXT        NOT NULL,
    kind   TEXT        NOT NULL CHECK (kind IN ('created', 'revoked', 'rotated', 'updated')),
    at     TIMESTAMPTZ NOT NULL
);
