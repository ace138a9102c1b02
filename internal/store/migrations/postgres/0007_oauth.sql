-- OAuth 2.0 authorization server (internal/oauthserver). Times are TIMESTAMPTZ;
-- NULL means "not set". No secret is
-- stored in the clear: client secrets and login session ids are SHA-256
-- hashes, passwords argon2id hashes, signing keys encrypted (A256GCM).
CREATE TABLE oauth_clients (
    id            TEXT    PRIMARY KEY,
    secret_hash   BYTEA,
    name          TEXT    NOT NULL,
    site          TEXT    NOT NULL DEFAULT '',
    public        BOOLEAN NOT NULL DEFAULT FALSE,
    first_party   BOOLEAN NOT NULL DEFAULT FALSE,
    redirect_uris TEXT    NOT NULL DEFAULT '[]',
    scopes        TEXT    NOT NULL DEFAULT '[]',
    grants        TEXT    NOT NULL DEFAULT '[]',
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);

CREATE TABLE oauth_users (
    id            TEXT    PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);

-- A user's consent to a client (a grant): every token issued under it carries
-- its id, so revoking the grant ends them all.
CREATE TABLE oauth_grants (
    id           TEXT    PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    scopes       TEXT    NOT NULL DEFAULT '[]',
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX oauth_grants_user_idx ON oauth_grants (user_id, client_id);
-- At most one live grant per user and client, even under concurrent consents.
CREATE UNIQUE INDEX oauth_grants_live_idx ON oauth_grants (user_id, client_id) WHERE revoked_at IS NULL;

-- Authorization codes, PKCE sessions, access and refresh tokens, keyed by
-- signature (never the token). request_id is the token family: every token
-- from one authorization, across refreshes. state: active, rotating (a
-- refresh in flight), rotated, used (a code), revoked. replay holds the
-- encrypted response of a rotation, for a retry within the grace window.
CREATE TABLE oauth_tokens (
    signature  TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('code', 'pkce', 'access', 'refresh')),
    request_id TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    grant_id   TEXT    NOT NULL DEFAULT '',
    subject    TEXT    NOT NULL DEFAULT '',
    data       BYTEA   NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'active',
    rotated_at TIMESTAMPTZ,
    replay     BYTEA,
    PRIMARY KEY (kind, signature)
);
CREATE INDEX oauth_tokens_request_idx ON oauth_tokens (request_id);
CREATE INDEX oauth_tokens_grant_idx ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_expires_idx ON oauth_tokens (expires_at);

-- Signing keys: published (in the JWKS) from created_at, used to sign from
-- signs_from, dropped from the JWKS after drop_after.
CREATE TABLE oauth_keys (
    kid         TEXT    PRIMARY KEY,
    alg         TEXT    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    private_enc BYTEA   NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    signs_from  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ,
    drop_after  TIMESTAMPTZ
);

CREATE TABLE oauth_login_sessions (
    id_hash    BYTEA   PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Revocations, polled by every gateway node: access tokens whose grant,
-- family (request_id), jti or client is listed here are refused.
CREATE TABLE oauth_revocations (
    id    BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  TEXT    NOT NULL CHECK (kind IN ('grant', 'family', 'jti', 'client')),
    value TEXT    NOT NULL,
    at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_revocations_at_idx ON oauth_revocations (at);
