package oauthserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"github.com/ory/fosite"
	foauth2 "github.com/ory/fosite/handler/oauth2"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Extra claims of every access token, beside RFC 9068's.
const (
	claimClientID = "client_id"
	claimGrant    = "gid" // the user's grant (consent) the token was issued under
	claimFamily   = "fam" // the token family: one authorization across refreshes
)

// client adapts a stored client to fosite.Client.
type client struct {
	c        *store.OAuthClient
	audience string
}

func (c *client) GetID() string             { return c.c.ID }
func (c *client) GetHashedSecret() []byte   { return c.c.SecretHash }
func (c *client) GetRedirectURIs() []string { return c.c.RedirectURIs }
func (c *client) GetGrantTypes() fosite.Arguments {
	return c.c.Grants
}
func (c *client) GetResponseTypes() fosite.Arguments { return fosite.Arguments{"code"} }
func (c *client) GetScopes() fosite.Arguments        { return c.c.Scopes }
func (c *client) IsPublic() bool                     { return c.c.Public }
func (c *client) GetAudience() fosite.Arguments      { return fosite.Arguments{c.audience} }

// secretHasher compares client secrets with their stored SHA-256. Secrets
// are 256 random bits, so a fast hash cannot be brute-forced.
type secretHasher struct{}

func (secretHasher) Compare(_ context.Context, hash, data []byte) error {
	sum := sha256.Sum256(data)
	if len(hash) != len(sum) || subtle.ConstantTimeCompare(hash, sum[:]) != 1 {
		return errors.New("secret mismatch")
	}
	return nil
}

func (secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return sum[:], nil
}

// storedRequest is the serialized form of a fosite request in oauth_tokens.data.
type storedRequest struct {
	ID                string              `json:"id"`
	RequestedAt       time.Time           `json:"requested_at"`
	ClientID          string              `json:"client_id"`
	RequestedScope    []string            `json:"requested_scope"`
	GrantedScope      []string            `json:"granted_scope"`
	RequestedAudience []string            `json:"requested_audience"`
	GrantedAudience   []string            `json:"granted_audience"`
	Form              url.Values          `json:"form"`
	Session           *foauth2.JWTSession `json:"session"`
}

// storage is fosite's storage over the Bulwark store.
type storage struct {
	st       *store.Store
	audience string
	now      func() time.Time
	revoked  func(kind, value string) // this process's gateways feel it at once
}

// revokeFamily revokes a family's tokens of kind; for access tokens the
// gateways of this process refuse them from the next request on.
func (s *storage) revokeFamily(ctx context.Context, requestID, kind string) error {
	if err := s.st.RevokeOAuthFamily(ctx, requestID, kind, s.now()); err != nil {
		return err
	}
	if kind != store.TokenRefresh && s.revoked != nil {
		s.revoked(store.RevokeFamily, requestID)
	}
	return nil
}

func newSession() *foauth2.JWTSession {
	s := &foauth2.JWTSession{}
	s.GetJWTClaims() // allocates the claims
	s.JWTClaims.Extra = map[string]any{}
	return s
}

// GetClient implements fosite.ClientManager. A revoked client is unknown.
func (s *storage) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.st.OAuthClient(ctx, id)
	if errors.Is(err, store.ErrOAuthNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !c.RevokedAt.IsZero() {
		return nil, fosite.ErrNotFound
	}
	return &client{c: c, audience: s.audience}, nil
}

// ClientAssertionJWTValid implements fosite.ClientManager; no client
// authenticates with private_key_jwt (clients have no JWKS), so no assertion
// ever reaches it.
func (s *storage) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT implements fosite.ClientManager (see ClientAssertionJWTValid).
func (s *storage) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

func (s *storage) create(ctx context.Context, kind, sig string, r fosite.Requester, exp time.Time) error {
	sess, _ := r.GetSession().(*foauth2.JWTSession)
	if sess == nil {
		return errors.New("oauth: unexpected session type")
	}
	data, err := json.Marshal(storedRequest{
		ID: r.GetID(), RequestedAt: r.GetRequestedAt(), ClientID: r.GetClient().GetID(),
		RequestedScope: r.GetRequestedScopes(), GrantedScope: r.GetGrantedScopes(),
		RequestedAudience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: r.GetRequestForm(), Session: sess,
	})
	if err != nil {
		return err
	}
	grant, _ := sess.GetJWTClaims().ToMapClaims()[claimGrant].(string)
	if exp.IsZero() {
		exp = s.now().Add(time.Hour)
	}
	return s.st.CreateOAuthToken(ctx, &store.OAuthToken{
		Signature: sig, Kind: kind, RequestID: r.GetID(), ClientID: r.GetClient().GetID(),
		GrantID: grant, Subject: sess.GetSubject(), Data: data, CreatedAt: s.now(), ExpiresAt: exp,
	})
}

// errInactive is what get returns for a token no longer active; fosite wants
// the request alongside it (to revoke a reused code's or refresh token's family).
func (s *storage) get(ctx context.Context, kind, sig string, inactive error) (fosite.Requester, *store.OAuthToken, error) {
	t, err := s.st.OAuthToken(ctx, kind, sig)
	if errors.Is(err, store.ErrOAuthNotFound) {
		return nil, nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	var sr storedRequest
	if err := json.Unmarshal(t.Data, &sr); err != nil {
		return nil, nil, err
	}
	c, err := s.st.OAuthClient(ctx, sr.ClientID)
	if err != nil {
		return nil, nil, err
	}
	req := &fosite.Request{
		ID: sr.ID, RequestedAt: sr.RequestedAt, Client: &client{c: c, audience: s.audience},
		RequestedScope: sr.RequestedScope, GrantedScope: sr.GrantedScope,
		RequestedAudience: sr.RequestedAudience, GrantedAudience: sr.GrantedAudience,
		Form: sr.Form, Session: sr.Session,
	}
	if sr.Session == nil {
		req.Session = newSession()
	}
	if !c.RevokedAt.IsZero() {
		return req, t, fosite.ErrNotFound
	}
	switch t.State {
	case store.TokenActive, store.TokenRotating:
		return req, t, nil
	default:
		return req, t, inactive
	}
}

// --- authorization codes ---

func (s *storage) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, store.TokenCode, sig, r, r.GetSession().GetExpiresAt(fosite.AuthorizeCode))
}

func (s *storage) GetAuthorizeCodeSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, _, err := s.get(ctx, store.TokenCode, sig, fosite.ErrInvalidatedAuthorizeCode)
	return r, err
}

func (s *storage) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	_, err := s.st.SetOAuthTokenState(ctx, store.TokenCode, sig, store.TokenActive, store.TokenUsed, s.now())
	return err
}

// --- PKCE ---

func (s *storage) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, store.TokenPKCE, sig, r, r.GetSession().GetExpiresAt(fosite.AuthorizeCode))
}

func (s *storage) GetPKCERequestSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, _, err := s.get(ctx, store.TokenPKCE, sig, fosite.ErrNotFound)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *storage) DeletePKCERequestSession(ctx context.Context, sig string) error {
	return s.st.DeleteOAuthToken(ctx, store.TokenPKCE, sig)
}

// --- access tokens ---

func (s *storage) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, store.TokenAccess, sig, r, r.GetSession().GetExpiresAt(fosite.AccessToken))
}

func (s *storage) GetAccessTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, _, err := s.get(ctx, store.TokenAccess, sig, fosite.ErrNotFound)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *storage) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return s.st.DeleteOAuthToken(ctx, store.TokenAccess, sig)
}

// --- refresh tokens ---

func (s *storage) CreateRefreshTokenSession(ctx context.Context, sig, _ string, r fosite.Requester) error {
	return s.create(ctx, store.TokenRefresh, sig, r, r.GetSession().GetExpiresAt(fosite.RefreshToken))
}

// GetRefreshTokenSession treats a token being rotated as active only for the
// request that claimed it in the token endpoint; rotated, revoked or someone
// else's rotating tokens are inactive, which makes fosite revoke the family
// (reuse detection).
func (s *storage) GetRefreshTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	r, t, err := s.get(ctx, store.TokenRefresh, sig, fosite.ErrInactiveToken)
	if err == nil && t.State == store.TokenRotating {
		if claimed, _ := ctx.Value(claimedKey{}).(string); claimed != sig {
			return r, fosite.ErrInactiveToken
		}
	}
	return r, err
}

func (s *storage) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	return s.st.DeleteOAuthToken(ctx, store.TokenRefresh, sig)
}

// RotateRefreshToken is a no-op: the token endpoint claimed the old token
// (state rotating) before fosite ran and marks it rotated, with the new pair
// for the grace window, once the response is known.
func (s *storage) RotateRefreshToken(context.Context, string, string) error { return nil }

// RevokeRefreshToken ends every refresh token of the family.
func (s *storage) RevokeRefreshToken(ctx context.Context, requestID string) error {
	return s.revokeFamily(ctx, requestID, store.TokenRefresh)
}

// RevokeAccessToken ends every access token of the family, at every gateway.
func (s *storage) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.revokeFamily(ctx, requestID, store.TokenAccess)
}
