package introspect

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// maxUnix is the largest accepted timestamp (year 9999): larger values are not
// times but garbage, and would overflow time arithmetic.
const maxUnix = 253402300799

// toPrincipal checks an introspection response at now and maps it to a principal,
// or returns the refusal.
func (a *Authenticator) toPrincipal(m map[string]any, key tokenKey, now time.Time) (*principal.Principal, *authn.Failure) {
	if active, _ := m["active"].(bool); !active {
		return nil, inactive()
	}
	if tt, _ := m["token_type"].(string); strings.Contains(strings.ToLower(tt), "refresh") {
		// A refresh token is for the token endpoint, never a bearer credential.
		return nil, claimsFailure(fmt.Errorf("token_type %q", tt))
	}
	exp, fail := a.checkTimes(m, now)
	if fail != nil {
		return nil, fail
	}
	if fail := a.checkIssuerAudience(m); fail != nil {
		return nil, fail
	}
	p, err := a.mapClaims(m)
	if err != nil {
		return nil, claimsFailure(err)
	}
	p.CredentialID = key.credentialID()
	p.ExpiresAt = exp
	return p, nil
}

// checkTimes refuses a token past its exp or before its nbf and returns exp (zero
// when absent). The authorization server said "active", but its answer may be
// served from our cache or the server may be lax: we check again.
func (a *Authenticator) checkTimes(m map[string]any, now time.Time) (time.Time, *authn.Failure) {
	exp, err := timeClaim(m, "exp")
	if err != nil {
		return time.Time{}, claimsFailure(err)
	}
	nbf, err := timeClaim(m, "nbf")
	if err != nil {
		return time.Time{}, claimsFailure(err)
	}
	if !exp.IsZero() && !now.Before(exp) {
		return time.Time{}, authn.Fail(authn.ReasonExpired, "The access token has expired.", nil)
	}
	if !nbf.IsZero() && now.Before(nbf) {
		return time.Time{}, authn.Fail(authn.ReasonNotYetValid, "The access token is not valid yet.", nil)
	}
	return exp, nil
}

// checkIssuerAudience pins the issuer and the audience when configured: an
// authorization server may serve several resource servers and tenants.
func (a *Authenticator) checkIssuerAudience(m map[string]any) *authn.Failure {
	if a.cfg.Issuer != "" {
		if iss, _ := m["iss"].(string); iss != a.cfg.Issuer {
			return authn.Fail(authn.ReasonUnknownIssuer, "The access token comes from an untrusted issuer.",
				fmt.Errorf("iss %q, want %q", iss, a.cfg.Issuer))
		}
	}
	if len(a.cfg.Audiences) == 0 {
		return nil
	}
	auds, err := stringList(m["aud"], false)
	if err != nil || !slices.ContainsFunc(auds, func(s string) bool { return slices.Contains(a.cfg.Audiences, s) }) {
		return authn.Fail(authn.ReasonAudience, "The access token is not meant for this API.",
			fmt.Errorf("aud %v, want one of %v", auds, a.cfg.Audiences))
	}
	return nil
}

// mapClaims builds the principal's identity, scopes and roles from the response.
func (a *Authenticator) mapClaims(m map[string]any) (*principal.Principal, error) {
	sub, err := stringClaim(m, a.cfg.SubjectClaim)
	if err != nil {
		return nil, err
	}
	consumer, err := stringClaim(m, a.cfg.ConsumerClaim)
	if err != nil {
		return nil, err
	}
	if sub == "" && consumer == "" {
		// A principal nobody can be held to: ownership and audit need an identity.
		return nil, fmt.Errorf("neither %q nor %q is set", a.cfg.SubjectClaim, a.cfg.ConsumerClaim)
	}
	scopes, err := stringList(m["scope"], true)
	if err != nil {
		return nil, fmt.Errorf("scope: %w", err)
	}
	var roles []string
	for _, name := range a.cfg.RoleClaims {
		r, err := stringList(lookupPath(m, name), true)
		if err != nil {
			return nil, fmt.Errorf("role claim %q: %w", name, err)
		}
		roles = append(roles, r...)
	}
	iss, _ := m["iss"].(string)
	if iss == "" {
		iss = a.cfg.Issuer
	}
	return &principal.Principal{
		Subject:  sub,
		Consumer: consumer,
		Scopes:   principal.NormalizeScopes(scopes),
		Roles:    principal.NormalizeScopes(roles),
		Method:   principal.MethodIntrospection,
		Issuer:   iss,
		Claims:   m,
	}, nil
}

// stringClaim returns m[name] as a string; absent is "", another type an error.
func stringClaim(m map[string]any, name string) (string, error) {
	switch v := m[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("claim %q: want a string, got %T", name, v)
	}
}

// stringList reads a string (split on spaces when split is set, RFC 7662 "scope")
// or an array of strings. Absent is an empty list.
func stringList(v any, split bool) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if split {
			return strings.Fields(v), nil
		}
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want strings, got %T", e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("want a string or an array of strings, got %T", v)
	}
}

// lookupPath returns m[name], or follows a dotted path ("realm_access.roles")
// through nested objects when no member has the full name.
func lookupPath(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	var cur any = m
	for part := range strings.SplitSeq(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[part]
	}
	return cur
}

// timeClaim reads a NumericDate member; absent is the zero time.
func timeClaim(m map[string]any, name string) (time.Time, error) {
	switch v := m[name].(type) {
	case nil:
		return time.Time{}, nil
	case float64:
		if v < 0 || v > maxUnix || math.IsNaN(v) {
			return time.Time{}, fmt.Errorf("claim %q: %v out of range", name, v)
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)), nil
	default:
		return time.Time{}, fmt.Errorf("claim %q: want a number, got %T", name, v)
	}
}

// claimsFailure refuses an active token whose claims cannot be used.
func claimsFailure(cause error) *authn.Failure {
	return authn.Fail(authn.ReasonClaims, "The access token's claims are not usable.",
		fmt.Errorf("introspection response: %w", cause))
}
