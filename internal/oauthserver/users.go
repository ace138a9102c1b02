package oauthserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// argon2id parameters (RFC 9106 §4, second recommended option: 64 MiB, 3 passes).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password CreateUser accepts.
const MinPasswordLength = 10

// HashPassword returns the argon2id PHC string of password with a random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC string hash.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v, m, t int
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m <= 0 || t <= 0 || p == 0 || m > 1<<20 || t > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against for unknown users, so that a sign-in takes
// as long whether or not the username exists. It is made once, on first use:
// New starts it in the background, so the first unknown user waits no longer
// than a known one. (It was made at package initialisation, which put one
// argon2id hash — 64 MiB, a third of a second — into the start of every
// process that links this package: each CLI command, and `bulwark probe` on
// every container health check.)
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(randomID(16))
	if err != nil {
		panic(err)
	}
	return h
})

// CreateUser stores a new end-user account.
func CreateUser(ctx context.Context, st *store.Store, username, password string) (*store.OAuthUser, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 128 || strings.ContainsAny(username, " \t\r\n") {
		return nil, &InvalidError{errors.New("username: 1 to 128 characters without spaces")}
	}
	if len(password) < MinPasswordLength {
		return nil, &InvalidError{fmt.Errorf("password: at least %d characters", MinPasswordLength)}
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &store.OAuthUser{ID: "u_" + randomID(12), Username: username, PasswordHash: h, CreatedAt: time.Now()}
	if err := st.CreateOAuthUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// ClientSpec describes a client to register.
type ClientSpec struct {
	ID, Name, Site string
	Public         bool
	FirstParty     bool
	RedirectURIs   []string
	Scopes         []string
	Grants         []string
}

// Grant types a client may be given.
var knownGrants = []string{"authorization_code", "refresh_token", "client_credentials"}

// CreateClient registers a client and returns it with its secret (empty for
// a public client): the secret is shown once, only its SHA-256 is stored.
func CreateClient(ctx context.Context, st *store.Store, spec ClientSpec) (*store.OAuthClient, string, error) {
	if err := spec.validate(); err != nil {
		return nil, "", err
	}
	c := &store.OAuthClient{ID: spec.ID, Name: spec.Name, Site: spec.Site, Public: spec.Public, FirstParty: spec.FirstParty,
		RedirectURIs: spec.RedirectURIs, Scopes: spec.Scopes, Grants: spec.Grants, CreatedAt: time.Now()}
	if c.ID == "" {
		c.ID = "c_" + randomID(12)
	}
	secret := ""
	if !spec.Public {
		secret, c.SecretHash = newClientSecret()
	}
	if err := st.CreateOAuthClient(ctx, c); err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// newClientSecret returns a client secret (256 random bits) and its SHA-256.
func newClientSecret() (string, []byte) {
	secret := "bws_" + randomID(32)
	sum := sha256.Sum256([]byte(secret))
	return secret, sum[:]
}

// UpdateClient replaces the name, site, first-party flag, redirect URIs,
// scopes and grant types of the live client id with spec's (its id and type
// stay). Tokens already issued keep their scopes until they expire; revoke
// the client to end them.
func UpdateClient(ctx context.Context, st *store.Store, id string, spec ClientSpec) (*store.OAuthClient, error) {
	c, err := st.OAuthClient(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.RevokedAt.IsZero() {
		return nil, fmt.Errorf("client %s is revoked: %w", id, store.ErrOAuthNotFound)
	}
	spec.ID, spec.Public = id, c.Public
	if err := spec.validate(); err != nil {
		return nil, err
	}
	c.Name, c.Site, c.FirstParty = spec.Name, spec.Site, spec.FirstParty
	c.RedirectURIs, c.Scopes, c.Grants = spec.RedirectURIs, spec.Scopes, spec.Grants
	if err := st.UpdateOAuthClient(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ResetClientSecret gives the live confidential client id a new secret and
// returns it (shown once; only its hash is kept). The old secret stops working.
func ResetClientSecret(ctx context.Context, st *store.Store, id string) (string, error) {
	secret, hash := newClientSecret()
	if err := st.SetOAuthClientSecret(ctx, id, hash); err != nil {
		return "", err
	}
	return secret, nil
}

// Spec returns the registration of c as a ClientSpec.
func Spec(c *store.OAuthClient) ClientSpec {
	return ClientSpec{ID: c.ID, Name: c.Name, Site: c.Site, Public: c.Public, FirstParty: c.FirstParty,
		RedirectURIs: slices.Clone(c.RedirectURIs), Scopes: slices.Clone(c.Scopes), Grants: slices.Clone(c.Grants)}
}

// InvalidError reports a client or user that cannot be registered as asked.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

func (c ClientSpec) validate() error {
	if err := c.problems(); err != nil {
		return &InvalidError{err}
	}
	return nil
}

func (c ClientSpec) problems() error {
	var errs []error
	if strings.TrimSpace(c.Name) == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if len(c.Grants) == 0 {
		errs = append(errs, errors.New("at least one grant type is required"))
	}
	for _, g := range c.Grants {
		switch {
		case !slices.Contains(knownGrants, g):
			errs = append(errs, fmt.Errorf("grant type %q: want one of %s (implicit and password are not offered)", g, strings.Join(knownGrants, ", ")))
		case g == "client_credentials" && c.Public:
			errs = append(errs, errors.New("a public client cannot use client_credentials"))
		}
	}
	if slices.Contains(c.Grants, "authorization_code") && len(c.RedirectURIs) == 0 {
		errs = append(errs, errors.New("authorization_code needs at least one redirect URI"))
	}
	for _, u := range c.RedirectURIs {
		if err := validRedirect(u); err != nil {
			errs = append(errs, fmt.Errorf("redirect URI %q: %w", u, err))
		}
	}
	for _, s := range c.Scopes {
		if !validScopeToken(s) || s == "" {
			errs = append(errs, fmt.Errorf("scope %q is not a valid scope token", s))
		}
	}
	if c.Site != "" {
		if u, err := url.Parse(c.Site); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("site must be an http(s) URL"))
		}
	}
	return errors.Join(errs...)
}

// validRedirect accepts an absolute URL without fragment or userinfo: https,
// http only for loopback (RFC 8252 §7.3), or a private-use scheme (§7.1).
func validRedirect(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return errors.New("must be an absolute URL")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not have a fragment")
	case u.User != nil:
		return errors.New("must not carry userinfo")
	case u.Scheme == "http":
		h := u.Hostname()
		if h != "127.0.0.1" && h != "::1" && h != "localhost" {
			return errors.New("http is allowed only for loopback addresses (native apps); use https")
		}
	case u.Scheme != "https" && !strings.Contains(u.Scheme, "."):
		return errors.New("use https, http on loopback, or a reverse-domain private-use scheme")
	}
	return nil
}
