package jwt

import (
	"errors"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// FuzzParseToken sends arbitrary bearer values through Authenticate: it must
// never panic, and must answer with exactly one of principal, no-credentials,
// Failure or (issuer without keys) a plain error.
func FuzzParseToken(f *testing.F) {
	fx := newFixture(f, nil)
	now := fx.clock.Now()
	f.Add(fx.token(f, "RS256", "rsa1", claims(issJWKS, now, nil)))
	f.Add(fx.token(f, "ES256", "", claims(issJWKS, now, nil)))
	f.Add(fx.token(f, "HS256", "hs1", claims(issStatic, now, nil)))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(b64([]byte(`{"alg":"RS256","alg":"none"}`)) + ".e30.AA")
	f.Add(b64([]byte(`{"alg":"ES256","kid":"ec1"}`)) + "." + b64([]byte(`{"iss":"`+issJWKS+`","exp":1e999}`)) + ".AAAA")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		r := request("")
		r.Header["Authorization"] = []string{"Bearer " + tok}
		p, err := fx.auth.Authenticate(r)
		switch {
		case err == nil && p == nil:
			t.Fatal("nil principal without error")
		case err != nil && p != nil:
			t.Fatal("principal with error")
		case err != nil && !errors.Is(err, authn.ErrNoCredentials) && asFailure(err) == nil && !errors.Is(err, errNoKeys):
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

// FuzzJWKS feeds arbitrary bodies to the JWKS parser: no panic, and any key it
// returns is a usable public signing key.
func FuzzJWKS(f *testing.F) {
	keys := newTestKeys(f)
	f.Add(mustJSON(f, jose.JSONWebKeySet{Keys: keys.publicJWKS()}))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseJWKS(body)
		if err == nil && len(got) == 0 {
			t.Fatal("no error and no keys")
		}
		for _, k := range got {
			if _, sym := k.key.([]byte); sym {
				t.Fatal("JWKS supplied a symmetric key")
			}
		}
	})
}
