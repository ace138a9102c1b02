package jwt

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestNewValidation(t *testing.T) {
	keys := newTestKeys(t)
	rsaPEM := pemPublic(t, &keys.rsa.PublicKey)
	octJWK := string(mustJSON(t, jose.JSONWebKey{Key: keys.hmac, KeyID: "hs"}))
	shortOct := string(mustJSON(t, jose.JSONWebKey{Key: []byte("short"), KeyID: "hs"}))
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(keys.rsa)}))
	privJWK := string(mustJSON(t, jose.JSONWebKey{Key: keys.ec, KeyID: "ec"}))
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	base := func(mut func(*Config)) []Config {
		c := Config{Issuer: issJWKS, JWKSURL: "https://idp.example.com/jwks", Algorithms: []string{"RS256"}}
		mut(&c)
		return []Config{c}
	}
	tests := []struct {
		name    string
		cfgs    []Config
		wantErr string // "" means valid
	}{
		{name: "valid jwks", cfgs: base(func(*Config) {})},
		{name: "valid static rsa and hmac", cfgs: base(func(c *Config) {
			c.JWKSURL, c.StaticKeys, c.Algorithms = "", []string{rsaPEM, octJWK}, []string{"RS256", "HS256"}
		})},
		{name: "no configs", wantErr: "no issuer"},
		{name: "missing issuer", cfgs: base(func(c *Config) { c.Issuer = "" }), wantErr: "issuer is required"},
		{name: "no key source", cfgs: base(func(c *Config) { c.JWKSURL = "" }), wantErr: "no key source"},
		{name: "both urls", cfgs: base(func(c *Config) { c.DiscoveryURL = "https://idp.example.com/.well-known" }), wantErr: "not both"},
		{name: "bad url", cfgs: base(func(c *Config) { c.JWKSURL = "ftp://idp/jwks" }), wantErr: "jwks_url"},
		{name: "alg none", cfgs: base(func(c *Config) { c.Algorithms = []string{"none"} }), wantErr: "unknown or refused"},
		{name: "alg lower case", cfgs: base(func(c *Config) { c.Algorithms = []string{"rs256"} }), wantErr: "unknown or refused"},
		{name: "no algorithms", cfgs: base(func(c *Config) { c.Algorithms = nil }), wantErr: "at least one"},
		{name: "HS256 with jwks", cfgs: base(func(c *Config) { c.Algorithms = []string{"HS256"} }), wantErr: "cannot be used with a JWKS"},
		{name: "HS256 without oct key", cfgs: base(func(c *Config) {
			c.JWKSURL, c.StaticKeys, c.Algorithms = "", []string{rsaPEM}, []string{"HS256"}
		}), wantErr: "go together"},
		{name: "oct key without HS alg", cfgs: base(func(c *Config) { c.JWKSURL, c.StaticKeys = "", []string{octJWK} }), wantErr: "go together"},
		{name: "short oct key", cfgs: base(func(c *Config) {
			c.JWKSURL, c.StaticKeys, c.Algorithms = "", []string{shortOct}, []string{"HS256"}
		}), wantErr: "at least 32 bytes"},
		{name: "private PEM", cfgs: base(func(c *Config) { c.StaticKeys = []string{privPEM} }), wantErr: "not a public key"},
		{name: "private JWK", cfgs: base(func(c *Config) { c.StaticKeys = []string{privJWK} }), wantErr: "private key"},
		{name: "garbage key", cfgs: base(func(c *Config) { c.StaticKeys = []string{"hello"} }), wantErr: "neither PEM nor JWK"},
		{name: "weak RSA key", cfgs: base(func(c *Config) { c.StaticKeys = []string{pemPublic(t, &weak.PublicKey)} }), wantErr: "too short"},
		{name: "negative leeway", cfgs: base(func(c *Config) { c.Leeway = -1 }), wantErr: "must not be negative"},
		{name: "empty role path segment", cfgs: base(func(c *Config) { c.RoleClaims = []string{"a..b"} }), wantErr: "empty segment"},
		{name: "duplicate issuer", cfgs: append(base(func(*Config) {}), base(func(*Config) {})...), wantErr: "configured twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.cfgs, nil)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				a.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v; want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	w := Config{Issuer: issJWKS, JWKSURL: "http://idp/jwks"}.Warnings()
	if len(w) != 2 {
		t.Fatalf("warnings = %q; want audience and plain-http warnings", w)
	}
}
