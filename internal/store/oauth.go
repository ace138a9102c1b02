package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// OAuth errors, compared with errors.Is.
var (
	// ErrOAuthNotFound reports that no OAuth client, user, grant, token or key matches.
	ErrOAuthNotFound = errors.New("oauth record not found")
	// ErrOAuthConflict reports an id or username already taken.
	ErrOAuthConflict = errors.New("oauth record already exists")
)

// OAuth token kinds and states (oauth_tokens).
const (
	TokenCode    = "code"
	TokenPKCE    = "pkce"
	TokenAccess  = "access"
	TokenRefresh = "refresh"

	TokenActive   = "active"
	TokenRotating = "rotating"
	TokenRotated  = "rotated"
	TokenUsed     = "used"
	TokenRevoked  = "revoked"
)

// Revocation kinds (oauth_revocations).
const (
	RevokeGrant  = "grant"
	RevokeFamily = "family"
	RevokeJTI    = "jti"
	RevokeClient = "client"
)

// MaxOAuthRevocations is the most revocations one OAuthRevocationsSince call returns.
const MaxOAuthRevocations = 1000

// OAuthClient is a registered OAuth client. SecretHash is SHA-256 of the
// secret (256 random bits); empty for a public client.
type OAuthClient struct {
	ID           string    `json:"client_id"`
	SecretHash   []byte    `json:"-"`
	Name         string    `json:"name"`
	Site         string    `json:"site,omitempty"`
	Public       bool      `json:"public"`
	FirstParty   bool      `json:"first_party"`
	RedirectURIs []string  `json:"redirect_uris"`
	Scopes       []string  `json:"scopes"`
	Grants       []string  `json:"grant_types"`
	CreatedAt    time.Time `json:"created_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
}

// OAuthUser is an end-user account. PasswordHash is an argon2id PHC string.
type OAuthUser struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	DisabledAt   time.Time `json:"disabled_at,omitzero"`
	// TOTPSecret is the encrypted TOTP secret; nil without a second factor.
	TOTPSecret []byte `json:"-"`
	// TOTP reports whether the user signs in with a one-time code too.
	TOTP bool `json:"totp"`
}

// OAuthGrant is a user's consent to a client.
type OAuthGrant struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	ClientID   string    `json:"client_id"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// OAuthToken is one stored code, PKCE session, access or refresh token.
// Data is the serialized request it was issued for (opaque to the store).
type OAuthToken struct {
	Signature string
	Kind      string
	RequestID string
	ClientID  string
	GrantID   string
	Subject   string
	Data      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	State     string
	RotatedAt time.Time
	Replay    []byte
}

// OAuthKey is a signing key; PrivateEnc is the encrypted private JWK.
type OAuthKey struct {
	KID        string
	Alg        string
	PublicJWK  string
	PrivateEnc []byte
	CreatedAt  time.Time
	SignsFrom  time.Time
	RetiredAt  time.Time
	DropAfter  time.Time
}

// OAuthRevocation is one entry of the revocation log.
type OAuthRevocation struct {
	ID    int64
	Kind  string
	Value string
	At    time.Time
}

// --- clients ---

const oauthClientColumns = "id, secret_hash, name, site, public, first_party, redirect_uris, scopes, grants, created_at, revoked_at"

// CreateOAuthClient stores c; ErrOAuthConflict when the id is taken.
func (s *Store) CreateOAuthClient(ctx context.Context, c *OAuthClient) error {
	if c.ID == "" || c.Name == "" {
		return errors.New("store: create oauth client: id and name are required")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	if s.exists(ctx, "SELECT 1 FROM oauth_revocations WHERE kind = 'client' AND value = ?", c.ID) {
		// A revoked or deleted client's id: gateways refuse its tokens.
		return fmt.Errorf("store: create oauth client %s: the id belonged to a revoked client: %w", c.ID, ErrOAuthConflict)
	}
	q := s.d.rebind("INSERT INTO oauth_clients (" + oauthClientColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	_, err := s.write.ExecContext(ctx, q, c.ID, c.SecretHash, c.Name, c.Site, c.Public, c.FirstParty,
		jsonList(c.RedirectURIs), jsonList(c.Scopes), jsonList(c.Grants), s.d.timeArg(c.CreatedAt), s.nullTime(c.RevokedAt))
	if err != nil {
		if s.exists(ctx, "SELECT 1 FROM oauth_clients WHERE id = ?", c.ID) {
			return fmt.Errorf("store: create oauth client %s: %w", c.ID, ErrOAuthConflict)
		}
		return fmt.Errorf("store: create oauth client %s: %w", c.ID, err)
	}
	return nil
}

// OAuthClient returns the client id (revoked or not).
func (s *Store) OAuthClient(ctx context.Context, id string) (*OAuthClient, error) {
	row := s.read.QueryRowContext(ctx, s.d.rebind("SELECT "+oauthClientColumns+" FROM oauth_clients WHERE id = ?"), id)
	c, err := scanOAuthClient(row)
	if err != nil {
		return nil, fmt.Errorf("store: oauth client %s: %w", id, err)
	}
	return c, nil
}

// OAuthClients lists every client, oldest first.
func (s *Store) OAuthClients(ctx context.Context) ([]*OAuthClient, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+oauthClientColumns+" FROM oauth_clients ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("store: oauth clients: %w", err)
	}
	defer rows.Close()
	var out []*OAuthClient
	for rows.Next() {
		c, err := scanOAuthClient(rows)
		if err != nil {
			return nil, fmt.Errorf("store: oauth clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeOAuthClient marks the client revoked, ends every token issued to it
// and records a client revocation for the gateways, in one transaction.
func (s *Store) RevokeOAuthClient(ctx context.Context, id string, at time.Time) error {
	err := s.oauthTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"), s.d.timeArg(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrOAuthNotFound
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_tokens SET state = ? WHERE client_id = ?"), TokenRevoked, id); err != nil {
			return err
		}
		return s.oauthRevocation(ctx, tx, RevokeClient, id, at)
	})
	if err != nil {
		return fmt.Errorf("store: revoke oauth client %s: %w", id, err)
	}
	return nil
}

// UpdateOAuthClient replaces the name, site, first-party flag, redirect
// URIs, scopes and grant types of the live client c.ID (never its type or
// secret). ErrOAuthNotFound when there is no such live client.
func (s *Store) UpdateOAuthClient(ctx context.Context, c *OAuthClient) error {
	q := s.d.rebind("UPDATE oauth_clients SET name = ?, site = ?, first_party = ?, redirect_uris = ?, scopes = ?, grants = ? WHERE id = ? AND revoked_at IS NULL")
	res, err := s.write.ExecContext(ctx, q, c.Name, c.Site, c.FirstParty, jsonList(c.RedirectURIs), jsonList(c.Scopes), jsonList(c.Grants), c.ID)
	if err != nil {
		return fmt.Errorf("store: update oauth client %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update oauth client %s: %w", c.ID, ErrOAuthNotFound)
	}
	return nil
}

// SetOAuthClientSecret replaces the secret hash of the live confidential
// client id. ErrOAuthNotFound when there is no such client.
func (s *Store) SetOAuthClientSecret(ctx context.Context, id string, hash []byte) error {
	q := s.d.rebind("UPDATE oauth_clients SET secret_hash = ? WHERE id = ? AND revoked_at IS NULL AND public = ?")
	res, err := s.write.ExecContext(ctx, q, hash, id, false)
	if err != nil {
		return fmt.Errorf("store: set oauth client secret %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: set oauth client secret %s: %w", id, ErrOAuthNotFound)
	}
	return nil
}

// DeleteOAuthClient revokes the client (when it is not already) and deletes
// it with its grants, in one transaction; its id is never given out again
// (CreateOAuthClient refuses it). ErrOAuthNotFound when there is no such client.
func (s *Store) DeleteOAuthClient(ctx context.Context, id string, at time.Time) error {
	err := s.oauthTx(ctx, func(tx *sql.Tx) error {
		var live bool
		err := tx.QueryRowContext(ctx, s.d.rebind("SELECT revoked_at IS NULL FROM oauth_clients WHERE id = ?"+s.forUpdate()), id).Scan(&live)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrOAuthNotFound
		}
		if err != nil {
			return err
		}
		if live {
			if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_tokens SET state = ? WHERE client_id = ?"), TokenRevoked, id); err != nil {
				return err
			}
			if err := s.oauthRevocation(ctx, tx, RevokeClient, id, at); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM oauth_grants WHERE client_id = ?"), id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.rebind("DELETE FROM oauth_clients WHERE id = ?"), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete oauth client %s: %w", id, err)
	}
	return nil
}

func scanOAuthClient(r interface{ Scan(...any) error }) (*OAuthClient, error) {
	var c OAuthClient
	var uris, scopes, grants string
	err := r.Scan(&c.ID, &c.SecretHash, &c.Name, &c.Site, &c.Public, &c.FirstParty, &uris, &scopes, &grants,
		timeScanner{&c.CreatedAt}, nullTimeScanner{&c.RevokedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrOAuthNotFound
	}
	if err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s string
		v *[]string
	}{{uris, &c.RedirectURIs}, {scopes, &c.Scopes}, {grants, &c.Grants}} {
		if err := json.Unmarshal([]byte(p.s), p.v); err != nil {
			return nil, fmt.Errorf("decode list: %w", err)
		}
	}
	return &c, nil
}

// --- users ---

// CreateOAuthUser stores u; ErrOAuthConflict when the id or username is taken.
func (s *Store) CreateOAuthUser(ctx context.Context, u *OAuthUser) error {
	if u.ID == "" || u.Username == "" || u.PasswordHash == "" {
		return errors.New("store: create user: id, username and password hash are required")
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	q := s.d.rebind("INSERT INTO oauth_users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)")
	if _, err := s.write.ExecContext(ctx, q, u.ID, u.Username, u.PasswordHash, s.d.timeArg(u.CreatedAt)); err != nil {
		if s.exists(ctx, "SELECT 1 FROM oauth_users WHERE id = ? OR username = ?", u.ID, u.Username) {
			return fmt.Errorf("store: create user %s: %w", u.Username, ErrOAuthConflict)
		}
		return fmt.Errorf("store: create user %s: %w", u.Username, err)
	}
	return nil
}

// OAuthUserByName returns the user with that username.
func (s *Store) OAuthUserByName(ctx context.Context, username string) (*OAuthUser, error) {
	return s.oauthUser(ctx, "username", username)
}

// OAuthUser returns the user with that id.
func (s *Store) OAuthUser(ctx context.Context, id string) (*OAuthUser, error) {
	return s.oauthUser(ctx, "id", id)
}

func (s *Store) oauthUser(ctx context.Context, col, v string) (*OAuthUser, error) {
	var u OAuthUser
	q := s.d.rebind("SELECT id, username, password_hash, created_at, disabled_at, totp_secret FROM oauth_users WHERE " + col + " = ?")
	err := s.read.QueryRowContext(ctx, q, v).Scan(&u.ID, &u.Username, &u.PasswordHash, timeScanner{&u.CreatedAt}, nullTimeScanner{&u.DisabledAt}, &u.TOTPSecret)
	u.TOTP = len(u.TOTPSecret) > 0
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrOAuthNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: user: %w", err)
	}
	return &u, nil
}

// SetOAuthUserTOTP sets (sealed non-nil) or removes (nil) the user's
// encrypted TOTP secret, and forgets the last accepted step.
func (s *Store) SetOAuthUserTOTP(ctx context.Context, id string, sealed []byte) error {
	q := s.d.rebind("UPDATE oauth_users SET totp_secret = ?, totp_last_step = 0 WHERE id = ?")
	res, err := s.write.ExecContext(ctx, q, sealed, id)
	if err != nil {
		return fmt.Errorf("store: set user totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: set user totp: %w", ErrOAuthNotFound)
	}
	return nil
}

// UseOAuthTOTPStep records that a code of time step was accepted for the
// user, and reports false when that step or a later one already was: a
// conditional update, so of concurrent sign-ins with one code one wins.
func (s *Store) UseOAuthTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	q := s.d.rebind("UPDATE oauth_users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?")
	res, err := s.write.ExecContext(ctx, q, step, id, step)
	if err != nil {
		return false, fmt.Errorf("store: use totp step: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// --- grants ---

const oauthGrantColumns = "id, user_id, client_id, scopes, created_at, revoked_at, last_used_at"

// SaveOAuthGrant stores g, or, when the user already has a live grant for the
// client, widens that grant's scopes to g.Scopes and returns it in g.
func (s *Store) SaveOAuthGrant(ctx context.Context, g *OAuthGrant) error {
	err := s.saveOAuthGrant(ctx, g)
	if err != nil && s.exists(ctx, "SELECT 1 FROM oauth_grants WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL", g.UserID, g.ClientID) {
		// A concurrent consent inserted the live grant first (unique index):
		// widen that one instead.
		err = s.saveOAuthGrant(ctx, g)
	}
	if err != nil {
		return fmt.Errorf("store: save oauth grant: %w", err)
	}
	return nil
}

func (s *Store) saveOAuthGrant(ctx context.Context, g *OAuthGrant) error {
	return s.oauthTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, s.d.rebind("SELECT "+oauthGrantColumns+" FROM oauth_grants WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL"+s.forUpdate()), g.UserID, g.ClientID)
		old, err := scanOAuthGrant(row)
		switch {
		case errors.Is(err, ErrOAuthNotFound):
			if g.CreatedAt.IsZero() {
				g.CreatedAt = time.Now()
			}
			_, err = tx.ExecContext(ctx, s.d.rebind("INSERT INTO oauth_grants (id, user_id, client_id, scopes, created_at) VALUES (?, ?, ?, ?, ?)"),
				g.ID, g.UserID, g.ClientID, jsonList(g.Scopes), s.d.timeArg(g.CreatedAt))
			return err
		case err != nil:
			return err
		}
		scopes := mergeScopes(old.Scopes, g.Scopes)
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_grants SET scopes = ? WHERE id = ?"), jsonList(scopes), old.ID); err != nil {
			return err
		}
		old.Scopes = scopes
		*g = *old
		return nil
	})
}

// OAuthGrantFor returns the user's live grant for the client.
func (s *Store) OAuthGrantFor(ctx context.Context, userID, clientID string) (*OAuthGrant, error) {
	row := s.read.QueryRowContext(ctx, s.d.rebind("SELECT "+oauthGrantColumns+" FROM oauth_grants WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL"), userID, clientID)
	g, err := scanOAuthGrant(row)
	if err != nil {
		return nil, fmt.Errorf("store: oauth grant: %w", err)
	}
	return g, nil
}

// OAuthGrant returns the grant id (live or revoked).
func (s *Store) OAuthGrant(ctx context.Context, id string) (*OAuthGrant, error) {
	row := s.read.QueryRowContext(ctx, s.d.rebind("SELECT "+oauthGrantColumns+" FROM oauth_grants WHERE id = ?"), id)
	g, err := scanOAuthGrant(row)
	if err != nil {
		return nil, fmt.Errorf("store: oauth grant %s: %w", id, err)
	}
	return g, nil
}

// OAuthGrants lists the user's live grants, newest first.
func (s *Store) OAuthGrants(ctx context.Context, userID string) ([]*OAuthGrant, error) {
	rows, err := s.read.QueryContext(ctx, s.d.rebind("SELECT "+oauthGrantColumns+" FROM oauth_grants WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id"), userID)
	if err != nil {
		return nil, fmt.Errorf("store: oauth grants: %w", err)
	}
	defer rows.Close()
	var out []*OAuthGrant
	for rows.Next() {
		g, err := scanOAuthGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("store: oauth grants: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// TouchOAuthGrant records that a token of the grant was used at.
func (s *Store) TouchOAuthGrant(ctx context.Context, id string, at time.Time) error {
	q := s.d.rebind("UPDATE oauth_grants SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")
	if _, err := s.write.ExecContext(ctx, q, s.d.timeArg(at), id, s.d.timeArg(at)); err != nil {
		return fmt.Errorf("store: touch oauth grant: %w", err)
	}
	return nil
}

// RevokeOAuthGrant ends the user's grant id and every token issued under it,
// and records a grant revocation for the gateways, in one transaction.
// ErrOAuthNotFound when the user has no such live grant.
func (s *Store) RevokeOAuthGrant(ctx context.Context, userID, id string, at time.Time) error {
	err := s.oauthTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_grants SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL"), s.d.timeArg(at), id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrOAuthNotFound
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE oauth_tokens SET state = ? WHERE grant_id = ?"), TokenRevoked, id); err != nil {
			return err
		}
		return s.oauthRevocation(ctx, tx, RevokeGrant, id, at)
	})
	if err != nil {
		return fmt.Errorf("store: revoke oauth grant: %w", err)
	}
	return nil
}

func scanOAuthGrant(r interface{ Scan(...any) error }) (*OAuthGrant, error) {
	var g OAuthGrant
	var scopes string
	err := r.Scan(&g.ID, &g.UserID, &g.ClientID, &scopes, timeScanner{&g.CreatedAt}, nullTimeScanner{&g.RevokedAt}, nullTimeScanner{&g.LastUsedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrOAuthNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &g.Scopes); err != nil {
		return nil, fmt.Errorf("decode scopes: %w", err)
	}
	return &g, nil
}

func mergeScopes(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		found := false
		for _, o := range out {
			found = found || o == s
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// --- tokens ---

const oauthTokenColumns = "signature, kind, request_id, client_id, grant_id, subject, data, created_at, expires_at, state, rotated_at, replay"

// CreateOAuthToken stores t (state active unless set).
func (s *Store) CreateOAuthToken(ctx context.Context, t *OAuthToken) error {
	if t.State == "" {
		t.State = TokenActive
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	q := s.d.rebind("INSERT INTO oauth_tokens (" + oauthTokenColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	_, err := s.write.ExecContext(ctx, q, t.Signature, t.Kind, t.RequestID, t.ClientID, t.GrantID, t.Subject, t.Data,
		s.d.timeArg(t.CreatedAt), s.d.timeArg(t.ExpiresAt), t.State, s.nullTime(t.RotatedAt), t.Replay)
	if err != nil {
		return fmt.Errorf("store: create oauth %s: %w", t.Kind, err)
	}
	return nil
}

// OAuthToken returns the token of kind with that signature.
func (s *Store) OAuthToken(ctx context.Context, kind, signature string) (*OAuthToken, error) {
	row := s.write.QueryRowContext(ctx, s.d.rebind("SELECT "+oauthTokenColumns+" FROM oauth_tokens WHERE signature = ? AND kind = ?"), signature, kind)
	var t OAuthToken
	err := row.Scan(&t.Signature, &t.Kind, &t.RequestID, &t.ClientID, &t.GrantID, &t.Subject, &t.Data,
		timeScanner{&t.CreatedAt}, timeScanner{&t.ExpiresAt}, &t.State, nullTimeScanner{&t.RotatedAt}, &t.Replay)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrOAuthNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: oauth %s: %w", kind, err)
	}
	return &t, nil
}

// SetOAuthTokenState moves the token from state from to state to and reports
// whether it was in state from (a conditional update: of concurrent callers
// with the same from, exactly one sees true).
func (s *Store) SetOAuthTokenState(ctx context.Context, kind, signature, from, to string, at time.Time) (bool, error) {
	q := s.d.rebind("UPDATE oauth_tokens SET state = ?, rotated_at = ? WHERE signature = ? AND kind = ? AND state = ?")
	res, err := s.write.ExecContext(ctx, q, to, s.d.timeArg(at), signature, kind, from)
	if err != nil {
		return false, fmt.Errorf("store: oauth %s state: %w", kind, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetOAuthReplay stores the (encrypted) response of a finished rotation and
// marks the refresh token rotated.
func (s *Store) SetOAuthReplay(ctx context.Context, signature string, replay []byte, at time.Time) error {
	q := s.d.rebind("UPDATE oauth_tokens SET state = ?, rotated_at = ?, replay = ? WHERE signature = ? AND kind = ? AND state = ?")
	if _, err := s.write.ExecContext(ctx, q, TokenRotated, s.d.timeArg(at), replay, signature, TokenRefresh, TokenRotating); err != nil {
		return fmt.Errorf("store: oauth replay: %w", err)
	}
	return nil
}

// DeleteOAuthToken removes the token of kind with that signature.
func (s *Store) DeleteOAuthToken(ctx context.Context, kind, signature string) error {
	if _, err := s.write.ExecContext(ctx, s.d.rebind("DELETE FROM oauth_tokens WHERE signature = ? AND kind = ?"), signature, kind); err != nil {
		return fmt.Errorf("store: delete oauth %s: %w", kind, err)
	}
	return nil
}

// RevokeOAuthFamily ends every token of the request (family) — of kind, or
// all when kind is empty — and records a family revocation for the gateways.
func (s *Store) RevokeOAuthFamily(ctx context.Context, requestID, kind string, at time.Time) error {
	err := s.oauthTx(ctx, func(tx *sql.Tx) error {
		q, args := "UPDATE oauth_tokens SET state = ? WHERE request_id = ?", []any{TokenRevoked, requestID}
		if kind != "" {
			q, args = q+" AND kind = ?", append(args, kind)
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(q), args...); err != nil {
			return err
		}
		if kind == TokenRefresh {
			return nil // refresh tokens never reach a gateway
		}
		return s.oauthRevocation(ctx, tx, RevokeFamily, requestID, at)
	})
	if err != nil {
		return fmt.Errorf("store: revoke oauth family: %w", err)
	}
	return nil
}

// RevokeOAuthJTI records that the access token jti is revoked.
func (s *Store) RevokeOAuthJTI(ctx context.Context, jti string, at time.Time) error {
	err := s.oauthTx(ctx, func(tx *sql.Tx) error { return s.oauthRevocation(ctx, tx, RevokeJTI, jti, at) })
	if err != nil {
		return fmt.Errorf("store: revoke oauth token: %w", err)
	}
	return nil
}

// PruneOAuth deletes tokens expired before before and revocations older than it.
func (s *Store) PruneOAuth(ctx context.Context, before time.Time) error {
	for _, q := range []string{
		"DELETE FROM oauth_tokens WHERE expires_at < ?",
		"DELETE FROM oauth_revocations WHERE at < ?",
		"DELETE FROM oauth_login_sessions WHERE expires_at < ?",
	} {
		if _, err := s.write.ExecContext(ctx, s.d.rebind(q), s.d.timeArg(before)); err != nil {
			return fmt.Errorf("store: prune oauth: %w", err)
		}
	}
	return nil
}

// --- revocation log ---

// OAuthRevocationsSince returns up to MaxOAuthRevocations revocations with an
// id above after, in id order.
func (s *Store) OAuthRevocationsSince(ctx context.Context, after int64) ([]OAuthRevocation, error) {
	return s.oauthRevocations(ctx, "id > ?", after, int64(MaxOAuthRevocations))
}

// OAuthRevocationsAfter returns every revocation recorded at or after t, in id
// order (a node's initial load).
func (s *Store) OAuthRevocationsAfter(ctx context.Context, t time.Time) ([]OAuthRevocation, error) {
	return s.oauthRevocations(ctx, "at >= ?", s.d.timeArg(t), int64(1<<31))
}

func (s *Store) oauthRevocations(ctx context.Context, where string, arg any, limit int64) ([]OAuthRevocation, error) {
	rows, err := s.read.QueryContext(ctx, s.d.rebind("SELECT id, kind, value, at FROM oauth_revocations WHERE "+where+" ORDER BY id LIMIT ?"), arg, limit)
	if err != nil {
		return nil, fmt.Errorf("store: oauth revocations: %w", err)
	}
	defer rows.Close()
	var out []OAuthRevocation
	for rows.Next() {
		var r OAuthRevocation
		if err := rows.Scan(&r.ID, &r.Kind, &r.Value, timeScanner{&r.At}); err != nil {
			return nil, fmt.Errorf("store: oauth revocations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LatestOAuthRevocationID returns the newest revocation id (0 for none).
func (s *Store) LatestOAuthRevocationID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM oauth_revocations").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: latest oauth revocation: %w", err)
	}
	return id, nil
}

func (s *Store) oauthRevocation(ctx context.Context, tx *sql.Tx, kind, value string, at time.Time) error {
	// Ids become visible in commit order, so a poller never skips one; every
	// node is woken at commit.
	if err := s.logEvent(ctx, tx, "oauth_revocations", ChannelOAuthRevocation); err != nil {
		return err
	}
	q := s.d.rebind("INSERT INTO oauth_revocations (kind, value, at) VALUES (?, ?, ?)")
	if _, err := tx.ExecContext(ctx, q, kind, value, s.d.timeArg(at)); err != nil {
		return fmt.Errorf("record %s revocation: %w", kind, err)
	}
	return nil
}

// --- signing keys ---

// AddOAuthKey stores k.
func (s *Store) AddOAuthKey(ctx context.Context, k *OAuthKey) error {
	q := s.d.rebind("INSERT INTO oauth_keys (kid, alg, public_jwk, private_enc, created_at, signs_from, retired_at, drop_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
	_, err := s.write.ExecContext(ctx, q, k.KID, k.Alg, k.PublicJWK, k.PrivateEnc, s.d.timeArg(k.CreatedAt), s.d.timeArg(k.SignsFrom),
		s.nullTime(k.RetiredAt), s.nullTime(k.DropAfter))
	if err != nil {
		return fmt.Errorf("store: add oauth key: %w", err)
	}
	return nil
}

// RetireOAuthKey stops kid signing at at and drops it from the JWKS after dropAfter.
func (s *Store) RetireOAuthKey(ctx context.Context, kid string, at, dropAfter time.Time) error {
	q := s.d.rebind("UPDATE oauth_keys SET retired_at = ?, drop_after = ? WHERE kid = ? AND retired_at IS NULL")
	if _, err := s.write.ExecContext(ctx, q, s.d.timeArg(at), s.d.timeArg(dropAfter), kid); err != nil {
		return fmt.Errorf("store: retire oauth key: %w", err)
	}
	return nil
}

// OAuthKeys lists the keys not yet dropped at now, oldest first.
func (s *Store) OAuthKeys(ctx context.Context, now time.Time) ([]*OAuthKey, error) {
	q := s.d.rebind("SELECT kid, alg, public_jwk, private_enc, created_at, signs_from, retired_at, drop_after FROM oauth_keys WHERE drop_after IS NULL OR drop_after > ? ORDER BY created_at, kid")
	rows, err := s.read.QueryContext(ctx, q, s.d.timeArg(now))
	if err != nil {
		return nil, fmt.Errorf("store: oauth keys: %w", err)
	}
	defer rows.Close()
	var out []*OAuthKey
	for rows.Next() {
		var k OAuthKey
		if err := rows.Scan(&k.KID, &k.Alg, &k.PublicJWK, &k.PrivateEnc, timeScanner{&k.CreatedAt}, timeScanner{&k.SignsFrom},
			nullTimeScanner{&k.RetiredAt}, nullTimeScanner{&k.DropAfter}); err != nil {
			return nil, fmt.Errorf("store: oauth keys: %w", err)
		}
		out = append(out, &k)
	}
	return out, rows.Err()
}

// --- login sessions ---

// CreateOAuthLogin stores a login session by the SHA-256 of its id.
func (s *Store) CreateOAuthLogin(ctx context.Context, idHash []byte, userID string, at, expires time.Time) error {
	q := s.d.rebind("INSERT INTO oauth_login_sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
	if _, err := s.write.ExecContext(ctx, q, idHash, userID, s.d.timeArg(at), s.d.timeArg(expires)); err != nil {
		return fmt.Errorf("store: create login session: %w", err)
	}
	return nil
}

// OAuthLogin returns the user of the live login session idHash at now.
func (s *Store) OAuthLogin(ctx context.Context, idHash []byte, now time.Time) (string, error) {
	var user string
	q := s.d.rebind("SELECT user_id FROM oauth_login_sessions WHERE id_hash = ? AND expires_at > ?")
	err := s.write.QueryRowContext(ctx, q, idHash, s.d.timeArg(now)).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrOAuthNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: login session: %w", err)
	}
	return user, nil
}

// DeleteOAuthLogin ends the login session idHash.
func (s *Store) DeleteOAuthLogin(ctx context.Context, idHash []byte) error {
	if _, err := s.write.ExecContext(ctx, s.d.rebind("DELETE FROM oauth_login_sessions WHERE id_hash = ?"), idHash); err != nil {
		return fmt.Errorf("store: delete login session: %w", err)
	}
	return nil
}

// --- helpers ---

// oauthTx runs fn in a write transaction (revocations take their own lock).
func (s *Store) oauthTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.keyTx(ctx, false, fn)
}

// forUpdate locks the selected row on PostgreSQL (SQLite's single writer
// already serializes the transaction).
func (s *Store) forUpdate() string {
	if s.d.name == DialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *Store) exists(ctx context.Context, q string, args ...any) bool {
	var one int
	return s.write.QueryRowContext(ctx, s.d.rebind(q), args...).Scan(&one) == nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

// --- what a user's tokens read (from the audit trail) ---

// OAuthRouteUse is one route a user's requests were allowed on and answered
// with a 2xx, and the start of the last minute they were.
type OAuthRouteUse struct {
	API, Route string
	Last       time.Time
}

// OAuthRouteUses returns the routes on which requests of the principal
// userID were allowed and answered 2xx in minutes starting at or after since,
// from the audit trail's per-minute rollups (written for every request when
// the audit store is on).
func (s *Store) OAuthRouteUses(ctx context.Context, userID string, since time.Time) ([]OAuthRouteUse, error) {
	q := s.d.rebind("SELECT api, route, MAX(minute) FROM audit_rollups WHERE consumer = ? AND decision = 'allow' AND status_class = 2 AND minute >= ? GROUP BY api, route ORDER BY api, route")
	rows, err := s.read.QueryContext(ctx, q, userID, s.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("store: oauth route uses: %w", err)
	}
	defer rows.Close()
	var out []OAuthRouteUse
	for rows.Next() {
		var u OAuthRouteUse
		if err := rows.Scan(&u.API, &u.Route, timeScanner{&u.Last}); err != nil {
			return nil, fmt.Errorf("store: oauth route uses: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
