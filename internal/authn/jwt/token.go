package jwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// maxJSONDepth bounds nesting in header and payload.
const maxJSONDepth = 32

// Public descriptions of refusals. They never contain the token.
const (
	descMalformed    = "The token is malformed."
	descAlgorithm    = "The token's signing algorithm is not accepted."
	descIssuer       = "The token's issuer is not trusted."
	descUnknownKey   = "The token's signing key is unknown."
	descSignature    = "The token's signature is invalid."
	descExpired      = "The token has expired."
	descNotYetValid  = "The token is not valid yet."
	descAudience     = "The token is not meant for this service."
	descClaims       = "The token's claims are invalid."
	descTooLarge     = "The token is too large."
	descInQuery      = "Send the token in the Authorization header, not the URL."
	descManyHeaders  = "Send exactly one Authorization header."
	descTypeRefused  = "The token's type is not accepted."
	headerAuthz      = "Authorization"
	bearerPrefixSize = len("Bearer ")
)

// refusedHeaders name header parameters we never honour. A token offering its
// own key (jwk, x5c) or a URL to fetch one (jku, x5u) is an attack (RFC 8725
// §3.10, CVE-2018-0114); crit and b64 ask for extensions we do not understand
// (RFC 7515 §4.1.11, RFC 7797).
var refusedHeaders = []string{"jwk", "jku", "x5u", "x5c", "crit", "b64"}

// header is the part of the JOSE header we read.
type header struct {
	alg, kid, typ string
	hasTyp        bool
}

// token is a JWT that passed the strict pre-checks, not yet verified.
type token struct {
	header  header
	payload []byte
	claims  map[string]any
	iss     string
}

// inQuery refuses a token sent as a query parameter (RFC 6750 §2.3 is a
// leak into logs and Referer headers). It allocates only when the raw query
// could hold the parameter.
func inQuery(r *http.Request) *authn.Failure {
	q := r.URL.RawQuery
	if q == "" || (!strings.Contains(q, "access") && !strings.Contains(q, "%")) {
		return nil
	}
	if !authn.QueryHas(q, isAccessToken) {
		return nil
	}
	return &authn.Failure{Reason: authn.ReasonInQuery, Status: http.StatusBadRequest,
		Code: authn.ErrCodeInvalidRequest, Description: descInQuery}
}

func isAccessToken(name, _ string) bool { return name == "access_token" }

// bearer returns the token of a single `Authorization: Bearer` header.
func bearer(r *http.Request) (string, error) {
	vals := r.Header[headerAuthz]
	switch {
	case len(vals) == 0:
		return "", authn.ErrNoCredentials
	case len(vals) > 1:
		// Two credentials are ambiguous: intermediaries may disagree on which counts.
		return "", &authn.Failure{Reason: authn.ReasonMultiple, Status: http.StatusBadRequest,
			Code: authn.ErrCodeInvalidRequest, Description: descManyHeaders}
	}
	v := vals[0]
	if len(v) < bearerPrefixSize || !strings.EqualFold(v[:bearerPrefixSize], "Bearer ") {
		return "", authn.ErrNoCredentials
	}
	return strings.TrimLeft(v[bearerPrefixSize:], " "), nil
}

// jwtShaped reports whether s has exactly three dot-separated parts.
func jwtShaped(s string) bool {
	return strings.Count(s, ".") == 2
}

// parseToken runs the strict pre-checks and decodes header and payload.
func parseToken(raw string) (*token, *authn.Failure) {
	parts := strings.SplitN(raw, ".", 3)
	if len(parts) != 3 {
		return nil, authn.Fail(authn.ReasonMalformed, descMalformed, errors.New("not three parts"))
	}
	var dec [3][]byte
	for i, p := range parts {
		b, err := decodePart(p)
		if err != nil {
			return nil, authn.Fail(authn.ReasonMalformed, descMalformed, fmt.Errorf("part %d: %w", i, err))
		}
		dec[i] = b
	}
	h, f := parseHeader(dec[0])
	if f != nil {
		return nil, f
	}
	t := &token{header: h, payload: dec[1]}
	if err := checkJSONObject(dec[1]); err != nil {
		return nil, authn.Fail(authn.ReasonMalformed, descMalformed, fmt.Errorf("payload: %w", err))
	}
	if err := json.Unmarshal(dec[1], &t.claims); err != nil {
		return nil, authn.Fail(authn.ReasonMalformed, descMalformed, fmt.Errorf("payload: %w", err))
	}
	iss, ok := t.claims["iss"].(string)
	if !ok {
		return nil, authn.Fail(authn.ReasonUnknownIssuer, descIssuer, errors.New("iss missing or not a string"))
	}
	t.iss = iss
	return t, nil
}

// decodePart decodes strict, canonical, unpadded base64url (RFC 7515 §2): one
// token has one encoding, so caches and signatures cannot be fooled by variants.
func decodePart(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64url: %w", err)
	}
	if base64.RawURLEncoding.EncodeToString(b) != s {
		return nil, errors.New("base64url: not canonical")
	}
	return b, nil
}

// parseHeader checks the JOSE header.
func parseHeader(b []byte) (header, *authn.Failure) {
	var h header
	malformed := func(err error) (header, *authn.Failure) {
		return h, authn.Fail(authn.ReasonMalformed, descMalformed, fmt.Errorf("header: %w", err))
	}
	if err := checkJSONObject(b); err != nil {
		return malformed(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return malformed(err)
	}
	if err := stringMember(m, "alg", &h.alg); err != nil || h.alg == "" {
		return malformed(errors.New("alg missing or not a string"))
	}
	if strings.EqualFold(h.alg, "none") {
		// Unsigned tokens are never accepted, whatever the case (RFC 8725 §3.1).
		return h, authn.Fail(authn.ReasonAlgorithm, descAlgorithm, errors.New("alg none"))
	}
	for _, name := range refusedHeaders {
		if _, ok := m[name]; ok {
			return malformed(fmt.Errorf("%s parameter refused", name))
		}
	}
	if err := stringMember(m, "kid", &h.kid); err != nil {
		return malformed(err)
	}
	if err := stringMember(m, "typ", &h.typ); err != nil {
		return malformed(err)
	}
	_, h.hasTyp = m["typ"]
	return h, nil
}

// stringMember decodes m[name] into dst when present; it must be a JSON string.
func stringMember(m map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := m[name]
	if !ok {
		return nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return fmt.Errorf("%s is not a string", name)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// checkJSONObject walks b token by token: it must be exactly one JSON object,
// nested at most maxJSONDepth deep, with no duplicate member names in any object.
// Parsers disagree on which duplicate wins, which lets an attacker show one
// claim to us and another to the upstream.
func checkJSONObject(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if tok != json.Delim('{') {
		return errors.New("json: not an object")
	}
	if err := walkObject(d, 1); err != nil {
		return err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return errors.New("json: trailing data")
	}
	return nil
}

// walkObject reads members after '{' up to and including the matching '}'.
func walkObject(d *json.Decoder, depth int) error {
	seen := map[string]struct{}{}
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		if tok == json.Delim('}') {
			return nil
		}
		name, ok := tok.(string)
		if !ok {
			return errors.New("json: member name is not a string")
		}
		if _, dup := seen[name]; dup {
			return fmt.Errorf("json: duplicate member name %q", truncate(name))
		}
		seen[name] = struct{}{}
		if err := walkValue(d, depth); err != nil {
			return err
		}
	}
}

// walkValue reads one value, descending into objects and arrays.
func walkValue(d *json.Decoder, depth int) error {
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxJSONDepth {
		return errors.New("json: nested too deep")
	}
	switch delim {
	case '{':
		return walkObject(d, depth+1)
	case '[':
		for d.More() {
			if err := walkValue(d, depth+1); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return fmt.Errorf("json: %w", err)
		}
		return nil
	}
	return errors.New("json: unexpected delimiter")
}

// truncate keeps attacker-chosen strings short in internal errors.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
