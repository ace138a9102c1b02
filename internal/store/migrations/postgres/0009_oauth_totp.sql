-- Optional TOTP (RFC 6238) second factor of the authorization server's end
-- users: the secret, encrypted with a key derived from oauth.secret, and the
-- last time step a code was accepted for (a code is never accepted twice).
ALTER TABLE oauth_users ADD COLUMN totp_secret BYTEA;
ALTER TABLE oauth_users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
