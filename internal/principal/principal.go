// Package principal is the leaf that says who is calling: the result of
// authentication that authorization, limits and audit read. It imports nothing of
// Bulwark's own.
package principal

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Authentication methods recorded in Principal.Method.
const (
	MethodAPIKey        = "api_key"
	MethodJWT           = "jwt"
	MethodIntrospection = "introspection"
	MethodNone          = "none"
)

// Principal is an authenticated caller. It is built once per request by an
// authenticator and never mutated afterwards; cached principals are shared
// between requests, so treat every field as read-only.
type Principal struct {
	Subject  string   // the user (JWT sub, introspection sub, key's subject)
	Consumer string   // the application or API consumer (key's consumer, azp/client_id)
	Scopes   []string // granted scopes, sorted, unique
	Roles    []string // roles mapped from configured claims or set on the key
	Method   string   // one of the Method constants
	Issuer   string   // token issuer, or "bulwark" for API keys
	// CredentialID identifies the credential without revealing it: an API key's id,
	// a JWT's jti or the first 12 hex digits of its SHA-256. Safe for logs.
	CredentialID string
	ExpiresAt    time.Time      // zero when the credential does not expire
	Claims       map[string]any // selected claims for later rules; nil for API keys
}

// HasScope reports whether p was granted scope s.
func (p *Principal) HasScope(s string) bool {
	if p == nil {
		return false
	}
	_, ok := slices.BinarySearch(p.Scopes, s)
	return ok
}

// HasAllScopes reports whether p holds every scope in want.
func (p *Principal) HasAllScopes(want []string) bool {
	for _, s := range want {
		if !p.HasScope(s) {
			return false
		}
	}
	return true
}

// HasRole reports whether p holds role.
func (p *Principal) HasRole(role string) bool {
	return p != nil && slices.Contains(p.Roles, role)
}

// ID is the identifier audit records: the subject, else the consumer.
func (p *Principal) ID() string {
	switch {
	case p == nil:
		return ""
	case p.Subject != "":
		return p.Subject
	default:
		return p.Consumer
	}
}

// ConsumerKey returns what a rate limit or quota keyed by consumer counts p
// as, and false when p names no one it could be counted as:
//
//   - the consumer, when p has one: an API key's consumer; a JWT's
//     consumer_claim if configured, else its azp, else its client_id; an
//     introspected token's client_id (or configured member);
//   - else the subject under its issuer: a token that names no client is
//     its user's own, and counting it per user keeps one user from taking
//     over another's budget (never the caller's IP, which many share);
//   - else nothing (false): the gateway refuses rather than guess.
//
// The kinds are prefixed so a subject can never meet a consumer's bucket.
func (p *Principal) ConsumerKey() (string, bool) {
	switch {
	case p == nil:
		return "", false
	case p.Consumer != "":
		return "c=" + p.Consumer, true
	case p.Subject != "":
		return "cs=" + strconv.Itoa(len(p.Issuer)) + ":" + p.Issuer + p.Subject, true
	}
	return "", false
}

// NormalizeScopes sorts and de-duplicates scopes in place and returns them.
func NormalizeScopes(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, or nil for an anonymous request.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
