package jwt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// maxNumericDate is 9999-12-31T23:59:59Z: later dates are malformed, not eternal.
const maxNumericDate = 253402300799

// numericDate reads a NumericDate claim (RFC 7519 §2): a JSON number, never a string.
func numericDate(claims map[string]any, name string) (t time.Time, present bool, err error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, true, fmt.Errorf("%s is not a valid NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// checkTimes validates exp (required), nbf and iat against now with leeway.
func (c *Config) checkTimes(claims map[string]any, now time.Time) (time.Time, *authn.Failure) {
	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return exp, authn.Fail(authn.ReasonClaims, descClaims, errors.Join(errors.New("exp required"), err))
	}
	// RFC 7519 §4.1.4: the current time must be before exp.
	if !now.Before(exp.Add(c.Leeway)) {
		return exp, authn.Fail(authn.ReasonExpired, descExpired, nil)
	}
	for _, name := range []string{"nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return exp, authn.Fail(authn.ReasonClaims, descClaims, err)
		}
		if ok && t.After(now.Add(c.Leeway)) {
			return exp, authn.Fail(authn.ReasonNotYetValid, descNotYetValid, fmt.Errorf("%s in the future", name))
		}
	}
	return exp, nil
}

// checkAudience matches aud (a string or an array of strings, RFC 7519 §4.1.3).
func (c *Config) checkAudience(claims map[string]any) *authn.Failure {
	if len(c.Audiences) == 0 {
		return nil
	}
	aud, ok := stringList(claims["aud"])
	if !ok || len(aud) == 0 {
		return authn.Fail(authn.ReasonAudience, descAudience, errors.New("aud missing or malformed"))
	}
	matched := 0
	for _, w := range c.Audiences {
		if slices.Contains(aud, w) {
			matched++
		}
	}
	if matched == 0 || (c.AudienceMatchAll && matched < len(c.Audiences)) {
		return authn.Fail(authn.ReasonAudience, descAudience, errors.New("aud does not match"))
	}
	return nil
}

// checkRequired refuses a token lacking a configured claim.
func (c *Config) checkRequired(claims map[string]any) *authn.Failure {
	for _, path := range c.RequiredClaims {
		if v, ok := lookup(claims, path); !ok || v == nil {
			return authn.Fail(authn.ReasonClaims, descClaims, fmt.Errorf("claim %q required", path))
		}
	}
	return nil
}

// buildPrincipal maps verified claims to a principal.
func (c *Config) buildPrincipal(raw string, claims map[string]any, exp time.Time) (*principal.Principal, *authn.Failure) {
	sub, ok := optionalString(claims, c.SubjectClaim)
	if !ok {
		return nil, authn.Fail(authn.ReasonClaims, descClaims, fmt.Errorf("%s is not a string", c.SubjectClaim))
	}
	consumer, ok := c.consumer(claims)
	if !ok {
		return nil, authn.Fail(authn.ReasonClaims, descClaims, errors.New("consumer claim is not a string"))
	}
	p := &principal.Principal{
		Subject:      sub,
		Consumer:     consumer,
		Scopes:       c.scopes(claims),
		Roles:        c.roles(claims),
		Method:       principal.MethodJWT,
		Issuer:       c.Issuer,
		CredentialID: credentialID(raw, claims),
		ExpiresAt:    exp,
		Claims:       claims,
	}
	return p, nil
}

func (c *Config) consumer(claims map[string]any) (string, bool) {
	if c.ConsumerClaim != "" {
		return optionalString(claims, c.ConsumerClaim)
	}
	if v, ok := optionalString(claims, "azp"); !ok || v != "" {
		return v, ok
	}
	return optionalString(claims, "client_id")
}

// scopes reads the configured scope claim (space-separated string or array)
// and the "scp" array some issuers use instead.
func (c *Config) scopes(claims map[string]any) []string {
	var out []string
	for _, name := range []string{c.ScopeClaim, "scp"} {
		v, ok := lookup(claims, name)
		if !ok {
			continue
		}
		if s, isStr := v.(string); isStr {
			out = append(out, strings.Fields(s)...)
		} else if l, isList := stringList(v); isList {
			out = append(out, l...)
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	return principal.NormalizeScopes(out)
}

// roles collects string or string-array values of the configured role claims.
func (c *Config) roles(claims map[string]any) []string {
	var out []string
	for _, path := range c.RoleClaims {
		v, ok := lookup(claims, path)
		if !ok {
			continue
		}
		if l, isList := stringList(v); isList {
			out = append(out, l...)
		}
	}
	if out == nil {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// credentialID is the jti, else the first 12 hex digits of the token's SHA-256.
func credentialID(raw string, claims map[string]any) string {
	if jti, ok := claims["jti"].(string); ok && jti != "" {
		return jti
	}
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:6])
}

// lookup follows a dot path through nested objects. A claim whose own name
// contains dots is found too (an exact top-level name wins).
func lookup(claims map[string]any, path string) (any, bool) {
	if v, ok := claims[path]; ok {
		return v, true
	}
	var cur any = claims
	for seg := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// optionalString returns claims[path] as a string; absent is "" and ok.
func optionalString(claims map[string]any, path string) (string, bool) {
	v, present := lookup(claims, path)
	if !present || v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// stringList accepts a string or an array of strings.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
