package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
)

// maxDocumentSize bounds JWKS and discovery bodies.
const maxDocumentSize = 1 << 20

// errEmptyKeySet is a JWKS with no usable signing key: the cached keys stay.
var errEmptyKeySet = errors.New("jwks has no usable signing key")

// parseJWKS reads a JWK Set (RFC 7517 §5). Keys meant for encryption, of an
// unknown or symmetric type (a JWKS never supplies HMAC secrets) or invalid are
// skipped; a set left empty is an error so the previous keys keep serving.
func parseJWKS(body []byte) ([]*verKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse jwks: %w", err)
	}
	var keys []*verKey
	for _, raw := range doc.Keys {
		var head struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
		}
		if json.Unmarshal(raw, &head) != nil || (head.Use != "" && head.Use != "sig") {
			continue
		}
		if head.Kty != "RSA" && head.Kty != "EC" && head.Kty != "OKP" {
			continue
		}
		var jwk jose.JSONWebKey
		if jwk.UnmarshalJSON(raw) != nil {
			continue
		}
		k, err := newVerKey(jwk)
		if err != nil {
			continue
		}
		if _, sym := k.key.([]byte); sym {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errEmptyKeySet
	}
	return keys, nil
}

// getDocument GETs a JSON document of at most maxDocumentSize bytes.
func getDocument(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if len(body) > maxDocumentSize {
		return nil, fmt.Errorf("get %s: body over %d bytes", url, maxDocumentSize)
	}
	return body, nil
}

// discoverJWKS reads an OIDC discovery document and returns its jwks_uri after
// checking that it speaks for issuer (OpenID Connect Discovery 1.0 §4.3).
func discoverJWKS(ctx context.Context, client *http.Client, url, issuer string) (string, error) {
	body, err := getDocument(ctx, client, url)
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("parse discovery document: %w", err)
	}
	if doc.Issuer != issuer {
		return "", fmt.Errorf("discovery document issuer %q does not match %q", doc.Issuer, issuer)
	}
	if !validFetchURL(doc.JWKSURI) {
		return "", errors.New("discovery document has no valid jwks_uri")
	}
	return doc.JWKSURI, nil
}
