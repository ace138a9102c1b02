package oauthserver

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"

	jose3 "github.com/go-jose/go-jose/v3"
	fjwt "github.com/ory/fosite/token/jwt"
)

// accessTokenType is the typ header of access tokens (RFC 9068 §2.1).
const accessTokenType = "at+jwt"

// signer is fosite's jwt.Signer over the keyring: it signs with the current
// key (kid in the header, typ at+jwt) and verifies with any published key, so
// tokens signed before a rotation still introspect.
type signer struct {
	ring     *keyring
	audience string
}

var _ fjwt.Signer = signer{}

func (s signer) Generate(_ context.Context, claims fjwt.MapClaims, header fjwt.Mapper) (string, string, error) {
	key, err := s.ring.current()
	if err != nil {
		return "", "", err
	}
	if aud, _ := claims["aud"].([]string); len(aud) == 0 {
		claims["aud"] = []string{s.audience} // RFC 9068 §2.2: aud is required
	}
	if _, ok := claims[claimClientID]; !ok {
		return "", "", errors.New("oauth: access token without client_id")
	}
	t := fjwt.NewWithClaims(jose3.ES256, claims)
	if header != nil {
		for k, v := range header.ToMap() {
			t.Header[k] = v
		}
	}
	t.Header["typ"] = accessTokenType
	t.Header["kid"] = key.kid
	raw, err := t.SignedString(key.priv)
	if err != nil {
		return "", "", err
	}
	sig, err := s.GetSignature(context.Background(), raw)
	return raw, sig, err
}

func (s signer) Validate(ctx context.Context, token string) (string, error) {
	if _, err := s.Decode(ctx, token); err != nil {
		return "", err
	}
	return s.GetSignature(ctx, token)
}

func (s signer) Decode(_ context.Context, token string) (*fjwt.Token, error) {
	return fjwt.ParseWithClaims(token, fjwt.MapClaims{}, func(t *fjwt.Token) (any, error) {
		if t.Method != jose3.ES256 {
			return nil, errors.New("unexpected signing algorithm")
		}
		kid, _ := t.Header["kid"].(string)
		pub, ok := s.ring.public(kid)
		if !ok {
			return nil, errors.New("unknown signing key")
		}
		return pub, nil
	})
}

func (s signer) GetSignature(_ context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("header, body and signature must all be set")
	}
	return parts[2], nil
}

func (s signer) Hash(_ context.Context, in []byte) ([]byte, error) {
	h := sha256.Sum256(in)
	return h[:], nil
}

func (s signer) GetSigningMethodLength(context.Context) int { return sha256.Size }
