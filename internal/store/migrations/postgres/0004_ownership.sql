-- Ownership records: who created each object, so that a request for another
-- user's object (BOLA: changing an id in the path) can be refused.
-- COLLATE "C" makes text compare bytewise, as SQLite does, so listings page
-- in the same order on both backends whatever the database locale.
CREATE TABLE ownership_records (
    object_type TEXT COLLATE "C" NOT NULL,
    object_id   TEXT COLLATE "C" NOT NULL,
    owner       TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
CREATE INDEX ownership_records_owner_idx ON ownership_records (owner, object_type, object_id);

-- Ownership changes, polled by every gateway node to drop cached owners. An
-- event with an empty object_type stands for "many records changed" (a bulk
-- import): nodes drop their whole cache. Writers take a table lock before
-- inserting, so ids become visible in commit order and a poller reading
-- "events after id N" never skips one still in flight.
CREATE TABLE ownership_events (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_type TEXT        NOT NULL,
    object_id   TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX ownership_events_at_idx ON ownership_events (at);
