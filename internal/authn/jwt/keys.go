package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"
)

// minRSABits refuses RSA keys too short to trust (RFC 7518 §3.3: 2048 or larger).
const minRSABits = 2048

// verKey is one verification key. A pointer to it is kept by cache entries so
// that a key leaving the JWKS invalidates every token it verified.
type verKey struct {
	kid     string
	alg     string // the JWK's alg, empty when it names none
	id      string // kid plus thumbprint: identity across JWKS refreshes
	key     any    // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
	removed atomic.Bool
}

// keySet is an issuer's immutable set of keys at one moment.
type keySet struct {
	byKID map[string][]*verKey
	noKID []*verKey // keys without a kid (static PEM keys): tried for any token
	all   []*verKey
}

func newKeySet(keys []*verKey) *keySet {
	s := &keySet{byKID: map[string][]*verKey{}, all: keys}
	for _, k := range keys {
		if k.kid == "" {
			s.noKID = append(s.noKID, k)
			continue
		}
		s.byKID[k.kid] = append(s.byKID[k.kid], k)
	}
	return s
}

// fits reports whether alg may be verified with k: the algorithm must match the
// key type and curve (RFC 8725 §3.1), so an HMAC can never be keyed with a public key.
func (k *verKey) fits(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return ecAlg(key.Curve) == alg
	case ed25519.PublicKey:
		return alg == "EdDSA"
	case []byte:
		return isHMAC(alg) && len(key) >= hmacMinKey[alg]
	}
	return false
}

func ecAlg(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}

// newVerKey checks a parsed JWK and wraps its public part.
func newVerKey(jwk jose.JSONWebKey) (*verKey, error) {
	if jwk.Use != "" && jwk.Use != "sig" {
		return nil, fmt.Errorf("key %q: use %q is not sig", jwk.KeyID, jwk.Use)
	}
	if _, sym := jwk.Key.([]byte); !sym && !jwk.Valid() {
		return nil, fmt.Errorf("key %q: invalid", jwk.KeyID)
	}
	var pub any
	switch key := jwk.Key.(type) {
	case []byte:
		pub = key
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		pub = key
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		// A published private key is an issuer mistake; only its public half is used.
		pub = jwk.Public().Key
	default:
		return nil, fmt.Errorf("key %q: unsupported key type %T", jwk.KeyID, key)
	}
	return wrapKey(jwk.KeyID, jwk.Algorithm, pub)
}

// wrapKey builds a verKey after the size checks.
func wrapKey(kid, alg string, pub any) (*verKey, error) {
	switch key := pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	case []byte:
		if len(key) < hmacMinKey["HS256"] {
			return nil, fmt.Errorf("key %q: HMAC key must be at least 32 bytes", kid)
		}
	default:
		return nil, fmt.Errorf("key %q: unsupported key type %T", kid, pub)
	}
	if rk, ok := pub.(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("key %q: RSA key of %d bits is too short", kid, rk.N.BitLen())
	}
	if ek, ok := pub.(*ecdsa.PublicKey); ok && ecAlg(ek.Curve) == "" {
		return nil, fmt.Errorf("key %q: unsupported curve", kid)
	}
	k := &verKey{kid: kid, alg: alg, key: pub}
	k.id = kid + "|" + thumbprint(pub)
	return k, nil
}

// thumbprint identifies a public key (RFC 7638); symmetric keys are never
// fingerprinted into anything that might be logged.
func thumbprint(pub any) string {
	if _, ok := pub.([]byte); ok {
		return "oct"
	}
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "?"
	}
	return hex.EncodeToString(tp)
}

// parseStaticKey reads a PEM public key or a JWK JSON object.
func parseStaticKey(s string) (*verKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON([]byte(s)); err != nil {
			return nil, fmt.Errorf("parse JWK: %w", err)
		}
		if _, sym := jwk.Key.([]byte); !sym && !jwk.IsPublic() {
			return nil, errors.New("JWK holds a private key: configure the public key only")
		}
		return newVerKey(jwk)
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("neither PEM nor JWK JSON")
	}
	pub, err := parsePEMBlock(block)
	if err != nil {
		return nil, err
	}
	return wrapKey("", "", pub)
}

func parsePEMBlock(b *pem.Block) (any, error) {
	switch b.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse RSA public key: %w", err)
		}
		return pub, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		return cert.PublicKey, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key", b.Type)
}
