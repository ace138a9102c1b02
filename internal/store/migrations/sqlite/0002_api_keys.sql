-- API keys: only HMAC-SHA-256(pepper, key) is stored, never the key.
-- Times hold microseconds since the Unix epoch, UTC; NULL means "not set".
CREATE TABLE api_keys (
    id            TEXT    PRIMARY KEY,
    hash          BLOB    NOT NULL,
    consumer      TEXT    NOT NULL,
    subject       TEXT    NOT NULL DEFAULT '',
    scopes        TEXT    NOT NULL DEFAULT '[]',
    roles         TEXT    NOT NULL DEFAULT '[]',
    metadata      TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    revoked_at    INTEGER,
    last_used_at  INTEGER,
    replaced_by   TEXT,
    rotated_from  TEXT,
    overlap_until INTEGER
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (hash);
CREATE INDEX api_keys_consumer_idx ON api_keys (consumer, created_at);

-- Key changes, polled by every gateway node to drop cached keys.
-- AUTOINCREMENT keeps ids monotonic, so "events after id N" never misses one.
CREATE TABLE key_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id TEXT    NOT NULL,
    kind   TEXT    NOT NULL CHECK (kind IN ('created', 'revoked', 'rotated', 'updated')),
    at     INTEGER NOT NULL
);
