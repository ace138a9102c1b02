-- GraphQL persisted operations (docs/graphql.md): per API and route, the
-- operations learning mode has seen and those registered for allow mode.
-- hash is the sha256 of the text, lower-case hex; query is '' when only the
-- hash is known. status is 'learned' or 'registered'. Times hold
-- microseconds since the Unix epoch, UTC.
CREATE TABLE graphql_operations (
    api            TEXT    NOT NULL,
    route          TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    query          TEXT    NOT NULL DEFAULT '',
    operation_name TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL,
    first_seen     INTEGER NOT NULL,
    registered_at  INTEGER,
    PRIMARY KEY (api, route, hash)
);
CREATE INDEX graphql_operations_status_idx ON graphql_operations (api, route, status);
