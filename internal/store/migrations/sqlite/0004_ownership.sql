-- Ownership records: who created each object, so that a request for another
-- user's object (BOLA: changing an id in the path) can be refused.
-- created_at holds microseconds since the Unix epoch, UTC. Text compares
-- bytewise (BINARY), the order listings page in.
CREATE TABLE ownership_records (
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
CREATE INDEX ownership_records_owner_idx ON ownership_records (owner, object_type, object_id);

-- Ownership changes, polled by every gateway node to drop cached owners. An
-- event with an empty object_type stands for "many records changed" (a bulk
-- import): nodes drop their whole cache. AUTOINCREMENT keeps ids monotonic.
CREATE TABLE ownership_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX ownership_events_at_idx ON ownership_events (at);
