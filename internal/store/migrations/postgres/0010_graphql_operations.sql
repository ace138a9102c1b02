-- GraphQL persisted operations (docs/graphql.md): per API and route, the
-- operations learning mode has seen and those registered for allow mode.
-- hash is the sha256 of the text, lower-case hex; query is '' when only the
-- hash is known. status is 'learned' or 'registered'. COLLATE "C" keeps
-- listings in the bytewise order SQLite uses.
CREATE TABLE graphql_operations (
    api            TEXT COLLATE "C" NOT NULL,
    route          TEXT COLLATE "C" NOT NULL,
    hash           TEXT COLLATE "C" NOT NULL,
    query          TEXT             NOT NULL DEFAULT '',
    operation_name TEXT             NOT NULL DEFAULT '',
    status         TEXT             NOT NULL,
    first_seen     TIMESTAMPTZ      NOT NULL,
    registered_at  TIMESTAMPTZ,
    PRIMARY KEY (api, route, hash)
);
CREATE INDEX graphql_operations_status_idx ON graphql_operations (api, route, status);
