package introspect

import (
	"errors"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// maxTokenSize bounds the token we hash and forward: larger ones are refused
// before any work (and before they can fill the authorization server's logs).
const maxTokenSize = 8 << 10

// bearerToken returns the token of the request's single `Authorization: Bearer`
// header. A request with no bearer header has no credentials of this kind.
func bearerToken(h http.Header) (string, error) {
	values := h.Values("Authorization")
	var token string
	found := 0
	for _, v := range values {
		if t, ok := cutBearer(v); ok {
			token = t
			found++
		}
	}
	switch {
	case found == 0:
		return "", authn.ErrNoCredentials
	case len(values) > 1:
		// RFC 6750 §3.1: a repeated credential is an invalid request; we will not
		// guess which header an intermediary or the upstream would pick.
		return "", &authn.Failure{Reason: authn.ReasonMalformed, Code: authn.ErrCodeInvalidRequest,
			Status: http.StatusBadRequest, Description: "Send exactly one Authorization header."}
	case len(token) > maxTokenSize:
		return "", authn.Fail(authn.ReasonTooLarge, "The access token is too large.", nil)
	case !isB64Token(token):
		return "", authn.Fail(authn.ReasonMalformed, "The access token is malformed.",
			errors.New("bearer token is empty or not RFC 6750 b64token"))
	}
	return token, nil
}

// cutBearer splits a header value into the Bearer scheme (case-insensitive, RFC
// 9110 §11.1) and the token, trimmed of surrounding spaces.
func cutBearer(v string) (string, bool) {
	const scheme = "Bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false
	}
	rest := v[len(scheme):]
	if rest == "" {
		return "", true
	}
	if rest[0] != ' ' {
		return "", false // "Bearerx": another scheme
	}
	return strings.Trim(rest, " \t"), true
}

// isB64Token reports whether t matches RFC 6750 §2.1:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(t string) bool {
	body := strings.TrimRight(t, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// hasQueryParam reports whether the raw query has a parameter named name,
// decoding escaped keys ("access%5Ftoken") as servers do (authn.QueryHas).
func hasQueryParam(raw, name string) bool {
	return authn.QueryHas(raw, func(n, _ string) bool { return n == name })
}

// errInQuery refuses a token sent in the URL (RFC 6750 §5.3: URLs end up in logs,
// history and Referer headers).
func errInQuery() error {
	return &authn.Failure{Reason: authn.ReasonInQuery, Status: http.StatusBadRequest,
		Code: authn.ErrCodeInvalidRequest, Description: "Send the token in the Authorization header, not the URL."}
}
