package jwt

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// attack is a token that must be refused with reason.
type attack struct {
	name   string
	token  func(t testing.TB, f *fixture) string
	query  string
	reason string
	status int // 0: 401
}

// hdr signs a token with an explicit header map and the fixture's valid claims.
func hdr(alg string, key func(k *testKeys) any, h map[string]any) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		h["alg"] = alg
		return signRaw(t, alg, key(f.keys), mustJSON(t, h), mustJSON(t, claims(issJWKS, f.clock.Now(), nil)))
	}
}

// withClaims signs RS256/rsa1 claims with overrides.
func withClaims(iss string, over map[string]any) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		now := f.clock.Now()
		c := map[string]any{}
		for k, v := range over {
			if d, ok := v.(time.Duration); ok {
				v = now.Add(d).Unix()
			}
			c[k] = v
		}
		return f.token(t, "RS256", "rsa1", claims(iss, now, c))
	}
}

// rawParts signs literal header and payload JSON (for duplicate member names).
func rawParts(header, payload string) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		exp := f.clock.Now().Add(time.Hour).Unix()
		payload = strings.ReplaceAll(payload, "EXP", itoa(exp))
		return signRaw(t, "RS256", f.keys.rsa, []byte(header), []byte(payload))
	}
}

// mangle edits a valid RS256 token part by part.
func mangle(edit func(parts []string) []string) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		tok := f.token(t, "RS256", "rsa1", claims(issJWKS, f.clock.Now(), nil))
		return strings.Join(edit(strings.Split(tok, ".")), ".")
	}
}

// unsigned builds alg none style tokens with a chosen signature part.
func unsigned(alg, sig string) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		h := mustJSON(t, map[string]any{"alg": alg, "typ": "JWT", "kid": "rsa1"})
		return b64(h) + "." + b64(mustJSON(t, claims(issJWKS, f.clock.Now(), nil))) + "." + sig
	}
}

// hsWithPublicKey signs HS256 with a byte form of the issuer's RSA public key:
// the classic algorithm-confusion attack (CVE-2015-9235).
func hsWithPublicKey(iss, kid, form string) func(testing.TB, *fixture) string {
	return func(t testing.TB, f *fixture) string {
		pub := &f.keys.rsa.PublicKey
		var secret []byte
		switch form {
		case "pem":
			secret = []byte(pemPublic(t, pub))
		case "der":
			secret, _ = x509.MarshalPKIXPublicKey(pub)
		case "pkcs1":
			secret = x509.MarshalPKCS1PublicKey(pub)
		case "modulus":
			secret = pub.N.Bytes()
		}
		h := map[string]any{"alg": "HS256", "typ": "JWT"}
		if kid != "" {
			h["kid"] = kid
		}
		return signRaw(t, "HS256", secret, mustJSON(t, h), mustJSON(t, claims(iss, f.clock.Now(), nil)))
	}
}

func rsaKey(k *testKeys) any      { return k.rsa }
func attackerKey(k *testKeys) any { return k.attacker }
func ecKey(k *testKeys) any       { return k.ec }

// nonCanonical sets unused trailing bits of a base64url part (RFC 4648 §3.5).
func nonCanonical(p string) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alpha, p[len(p)-1])
	return p[:len(p)-1] + string(alpha[i|1])
}

func attacks() []attack {
	var cases []attack
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		cases = append(cases,
			attack{name: "alg " + alg + " empty signature", token: unsigned(alg, ""), reason: authn.ReasonAlgorithm},
			attack{name: "alg " + alg + " with signature", token: unsigned(alg, b64([]byte("sig"))), reason: authn.ReasonAlgorithm})
	}
	for _, form := range []string{"pem", "der", "pkcs1", "modulus"} {
		cases = append(cases,
			attack{name: "HS256 with JWKS RSA key as " + form, token: hsWithPublicKey(issJWKS, "rsa1", form), reason: authn.ReasonAlgorithm},
			attack{name: "HS256 with static RSA key as " + form, token: hsWithPublicKey(issStatic, "", form), reason: authn.ReasonBadSignature},
			attack{name: "HS256 with static RSA key as " + form + " under unknown kid", token: hsWithPublicKey(issStatic, "pem", form), reason: authn.ReasonAlgorithm})
	}
	return append(cases, []attack{
		{name: "embedded jwk with attacker key", reason: authn.ReasonMalformed, token: func(t testing.TB, f *fixture) string {
			jwk := jose.JSONWebKey{Key: &f.keys.attacker.PublicKey, KeyID: "rsa1"}
			return hdr("RS256", attackerKey, map[string]any{"kid": "rsa1", "jwk": jwk})(t, f)
		}},
		{name: "x5c header", token: hdr("RS256", attackerKey, map[string]any{"x5c": []string{"MIIB"}}), reason: authn.ReasonMalformed},
		{name: "kid path traversal", token: hdr("RS256", attackerKey, map[string]any{"kid": "../../etc/passwd"}), reason: authn.ReasonUnknownKey},
		{name: "kid SQL injection", token: hdr("RS256", attackerKey, map[string]any{"kid": "' OR 1=1--"}), reason: authn.ReasonUnknownKey},
		{name: "kid not a string", token: hdr("RS256", rsaKey, map[string]any{"kid": 7}), reason: authn.ReasonMalformed},
		{name: "psychic ECDSA r=s=0", reason: authn.ReasonBadSignature, token: mangle(func(p []string) []string {
			p[0] = b64([]byte(`{"alg":"ES256","kid":"ec1"}`))
			return []string{p[0], p[1], b64(make([]byte, 64))}
		})},
		{name: "attacker signature under issuer kid", token: hdr("RS256", attackerKey, map[string]any{"kid": "rsa1"}), reason: authn.ReasonBadSignature},
		{name: "tampered payload", reason: authn.ReasonBadSignature, token: mangle(func(p []string) []string {
			p[1] = b64([]byte(`{"iss":"` + issJWKS + `","sub":"admin","aud":"api","exp":4102444800}`))
			return p
		})},
		{name: "ES256 under RSA kid", token: hdr("ES256", ecKey, map[string]any{"kid": "rsa1"}), reason: authn.ReasonAlgorithm},
		{name: "RS256 under EC kid", token: hdr("RS256", rsaKey, map[string]any{"kid": "ec1"}), reason: authn.ReasonAlgorithm},
		{name: "EdDSA under RSA kid", token: hdr("EdDSA", func(k *testKeys) any { return k.ed }, map[string]any{"kid": "rsa1"}), reason: authn.ReasonAlgorithm},
		{name: "alg lower case", token: relabel("rs256"), reason: authn.ReasonAlgorithm},
		{name: "alg not in issuer allow-list", token: relabel("RS512"), reason: authn.ReasonAlgorithm},
		{name: "alg not a string", token: rawParts(`{"alg":["RS256"],"kid":"rsa1"}`, `{}`), reason: authn.ReasonMalformed},
		{name: "expired", token: withClaims(issJWKS, map[string]any{"exp": -time.Hour}), reason: authn.ReasonExpired},
		{name: "expired beyond leeway", token: withClaims(issJWKS, map[string]any{"exp": -31 * time.Second}), reason: authn.ReasonExpired},
		{name: "nbf in future", token: withClaims(issJWKS, map[string]any{"nbf": time.Hour}), reason: authn.ReasonNotYetValid},
		{name: "iat in future", token: withClaims(issJWKS, map[string]any{"iat": time.Hour}), reason: authn.ReasonNotYetValid},
		{name: "exp as string", token: withClaims(issJWKS, map[string]any{"exp": "4102444800"}), reason: authn.ReasonClaims},
		{name: "exp missing", token: withClaims(issJWKS, map[string]any{"exp": nil}), reason: authn.ReasonClaims},
		{name: "exp absurd", token: withClaims(issJWKS, map[string]any{"exp": 1e300}), reason: authn.ReasonClaims},
		{name: "nbf as string", token: withClaims(issJWKS, map[string]any{"nbf": "0"}), reason: authn.ReasonClaims},
		{name: "wrong iss", token: withClaims("https://evil.example/", nil), reason: authn.ReasonUnknownIssuer},
		{name: "iss missing", token: withClaims(issJWKS, map[string]any{"iss": nil}), reason: authn.ReasonUnknownIssuer},
		{name: "iss without trailing slash", token: withClaims(strings.TrimSuffix(issJWKS, "/"), nil), reason: authn.ReasonUnknownIssuer},
		{name: "wrong aud", token: withClaims(issJWKS, map[string]any{"aud": "other"}), reason: authn.ReasonAudience},
		{name: "wrong aud array", token: withClaims(issJWKS, map[string]any{"aud": []string{"other", "x"}}), reason: authn.ReasonAudience},
		{name: "aud missing", token: withClaims(issJWKS, map[string]any{"aud": nil}), reason: authn.ReasonAudience},
		{name: "aud not strings", token: withClaims(issJWKS, map[string]any{"aud": []any{"api", 1}}), reason: authn.ReasonAudience},
		{name: "sub not a string", token: withClaims(issJWKS, map[string]any{"sub": 42}), reason: authn.ReasonClaims},
		{name: "duplicate alg in header", reason: authn.ReasonMalformed,
			token: rawParts(`{"alg":"RS256","kid":"rsa1","alg":"RS256"}`, `{"iss":"`+issJWKS+`","aud":"api","exp":EXP}`)},
		{name: "duplicate sub in payload", reason: authn.ReasonMalformed,
			token: rawParts(`{"alg":"RS256","kid":"rsa1"}`, `{"iss":"`+issJWKS+`","sub":"u","aud":"api","exp":EXP,"sub":"admin"}`)},
		{name: "duplicate escaped name in payload", reason: authn.ReasonMalformed,
			token: rawParts(`{"alg":"RS256","kid":"rsa1"}`, `{"iss":"`+issJWKS+`","sub":"u","aud":"api","exp":EXP,"\u0073ub":"admin"}`)},
		{name: "duplicate nested name in payload", reason: authn.ReasonMalformed,
			token: rawParts(`{"alg":"RS256","kid":"rsa1"}`, `{"iss":"`+issJWKS+`","aud":"api","exp":EXP,"r":[{"roles":[],"roles":["admin"]}]}`)},
		{name: "header not an object", token: rawParts(`["alg","RS256"]`, `{}`), reason: authn.ReasonMalformed},
		{name: "payload trailing data", token: rawParts(`{"alg":"RS256","kid":"rsa1"}`, `{"iss":"`+issJWKS+`","exp":EXP} {}`), reason: authn.ReasonMalformed},
		{name: "non-canonical base64 in signature", token: mangle(func(p []string) []string { p[2] = nonCanonical(p[2]); return p }), reason: authn.ReasonMalformed},
		{name: "non-canonical base64 in header", reason: authn.ReasonMalformed, token: mangle(func(p []string) []string {
			p[0] = nonCanonical(b64([]byte(`{"alg":"RS256","kid":"rsa1"}`)))
			return p
		})},
		{name: "padded signature", token: mangle(func(p []string) []string { p[2] += "=="; return p }), reason: authn.ReasonMalformed},
		{name: "standard base64 alphabet", token: mangle(func(p []string) []string { p[1] += "+"; return p }), reason: authn.ReasonMalformed},
		{name: "newline inside payload", token: mangle(func(p []string) []string { p[1] = p[1][:4] + "\n" + p[1][4:]; return p }), reason: authn.ReasonMalformed},
		{name: "oversized token", token: withClaims(issJWKS, map[string]any{"pad": strings.Repeat("A", 9000)}), reason: authn.ReasonTooLarge},
		{name: "oversized opaque token", token: func(testing.TB, *fixture) string { return strings.Repeat("x", 9000) }, reason: authn.ReasonTooLarge},
		{name: "crit header", token: hdr("RS256", rsaKey, map[string]any{"kid": "rsa1", "crit": []string{"exp"}, "exp": 1}), reason: authn.ReasonMalformed},
		{name: "b64 header", token: hdr("RS256", rsaKey, map[string]any{"kid": "rsa1", "b64": false}), reason: authn.ReasonMalformed},
		{name: "typ mismatch", token: hdr("RS256", rsaKey, map[string]any{"kid": "rsa1", "typ": "logout+jwt"}), reason: authn.ReasonMalformed},
		{name: "typ not a string", token: hdr("RS256", rsaKey, map[string]any{"kid": "rsa1", "typ": 1}), reason: authn.ReasonMalformed},
		{name: "access_token in query", token: withClaims(issJWKS, nil), query: "access_token=abc", reason: authn.ReasonInQuery, status: http.StatusBadRequest},
		{name: "access_token in query percent-encoded", token: withClaims(issJWKS, nil), query: "x=1&access%5Ftoken=abc", reason: authn.ReasonInQuery, status: http.StatusBadRequest},
	}...)
}

// relabel changes the alg of a valid RS256 token without re-signing.
func relabel(alg string) func(testing.TB, *fixture) string {
	return mangle(func(p []string) []string {
		p[0] = b64([]byte(`{"alg":"` + alg + `","kid":"rsa1"}`))
		return p
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAttacksRefused(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range attacks() {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token(t, f)
			r := request(tok)
			if tc.query != "" {
				r.URL.RawQuery = tc.query
			}
			p, err := f.auth.Authenticate(r)
			var fail *authn.Failure
			if !errors.As(err, &fail) {
				t.Fatalf("Authenticate() = %v, %v; want Failure %s", p, err, tc.reason)
			}
			if fail.Reason != tc.reason || fail.Status != tc.status {
				t.Fatalf("reason, status = %s, %d (%v); want %s, %d", fail.Reason, fail.Status, fail, tc.reason, tc.status)
			}
			if p != nil || fail.Description == "" || strings.Contains(fail.Description, tok) {
				t.Fatalf("bad refusal: principal %v, description %q", p, fail.Description)
			}
		})
	}
}

// TestKeyURLsNeverFetched sends tokens pointing jku and x5u at a server that
// must never hear from us.
func TestKeyURLsNeverFetched(t *testing.T) {
	var hits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(evil.Close)
	f := newFixture(t, nil)
	for _, name := range []string{"jku", "x5u"} {
		tok := hdr("RS256", attackerKey, map[string]any{"kid": "evil", name: evil.URL + "/keys"})(t, f)
		_, err := f.auth.Authenticate(request(tok))
		var fail *authn.Failure
		if !errors.As(err, &fail) || fail.Reason != authn.ReasonMalformed {
			t.Errorf("%s: err = %v; want %s", name, err, authn.ReasonMalformed)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("key URL server received %d requests; want 0", n)
	}
}

func TestNoCredentials(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name  string
		authz []string
	}{
		{name: "no header"},
		{name: "basic scheme", authz: []string{"Basic dXNlcjpwYXNz"}},
		{name: "opaque bearer", authz: []string{"Bearer 2YotnFZFEjr1zCsicMWpAA"}},
		{name: "four parts", authz: []string{"Bearer a.b.c.d"}},
		{name: "empty bearer", authz: []string{"Bearer "}},
		{name: "scheme only", authz: []string{"Bearer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := request("")
			r.Header["Authorization"] = tc.authz
			if _, err := f.auth.Authenticate(r); !errors.Is(err, authn.ErrNoCredentials) {
				t.Fatalf("err = %v; want ErrNoCredentials", err)
			}
		})
	}
	t.Run("two authorization headers", func(t *testing.T) {
		r := request("")
		r.Header["Authorization"] = []string{"Bearer a.b.c", "Bearer d.e.f"}
		var fail *authn.Failure
		if _, err := f.auth.Authenticate(r); !errors.As(err, &fail) || fail.Status != http.StatusBadRequest {
			t.Fatalf("err = %v; want 400 Failure", err)
		}
	})
}
