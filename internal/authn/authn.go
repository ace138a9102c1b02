// Package authn authenticates requests: it runs a route's authenticators in their
// configured order and turns the outcome into a principal or a refusal.
//
// The threat is broken authentication: stolen, guessed, forged or never-expiring
// credentials, and credentials leaking through URLs and logs. Each method lives in
// its own sub-package (apikey, jwt, introspect); this package holds what they
// share: the Authenticator contract, the Failure type with its audit reason and
// RFC 6750 error code, and the chain.
package authn

import (
	"errors"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// ErrNoCredentials is returned by an Authenticator when the request carries no
// credential of its kind: the chain tries the next one.
var ErrNoCredentials = errors.New("no credentials of this kind")

// Authenticator checks one kind of credential.
//
// It returns (p, nil) on success, (nil, ErrNoCredentials) when the request has no
// credential of its kind, and (nil, *Failure) when a credential is present but not
// acceptable. Any other error means it could not decide (store or network down):
// the chain denies with 503, never lets the request through.
type Authenticator interface {
	Authenticate(r *http.Request) (*principal.Principal, error)
	// Scheme is the WWW-Authenticate scheme it answers with ("Bearer", "ApiKey").
	Scheme() string
	// Strip removes this authenticator's credential from headers bound for the
	// upstream (the raw credential never leaves the gateway unless a route keeps it).
	Strip(h http.Header)
}

// RFC 6750 §3.1 error codes.
const (
	ErrCodeInvalidRequest    = "invalid_request"
	ErrCodeInvalidToken      = "invalid_token"
	ErrCodeInsufficientScope = "insufficient_scope"
)

// Audit reason codes of refused credentials. They are stable: dashboards and
// alerts key on them.
const (
	ReasonMissing           = "credentials_missing"
	ReasonMalformed         = "credential_malformed"
	ReasonInQuery           = "credential_in_query"
	ReasonMultiple          = "multiple_credentials"
	ReasonConflict          = "conflicting_credentials"
	ReasonUnknownKey        = "unknown_key"
	ReasonRevoked           = "revoked"
	ReasonExpired           = "expired"
	ReasonNotYetValid       = "not_yet_valid"
	ReasonBadSignature      = "bad_signature"
	ReasonAlgorithm         = "algorithm_not_allowed"
	ReasonUnknownIssuer     = "unknown_issuer"
	ReasonAudience          = "audience_mismatch"
	ReasonClaims            = "claims_invalid"
	ReasonTooLarge          = "token_too_large"
	ReasonInactive          = "token_inactive"
	ReasonInsufficientScope = "insufficient_scope"
	ReasonUnavailable       = "authn_unavailable"
)

// Failure is a credential that was present and refused.
type Failure struct {
	Reason      string // audit reason code (Reason* constants)
	Code        string // RFC 6750 error code for WWW-Authenticate
	Description string // public, short, never contains the credential
	Status      int    // 0 means 401
	Cause       error  // internal detail for diagnostics, never shown
}

func (f *Failure) Error() string {
	if f.Cause != nil {
		return f.Reason + ": " + f.Cause.Error()
	}
	return f.Reason + ": " + f.Description
}

// Unwrap returns the internal cause.
func (f *Failure) Unwrap() error { return f.Cause }

// Fail returns a 401 invalid_token Failure.
func Fail(reason, description string, cause error) *Failure {
	return &Failure{Reason: reason, Code: ErrCodeInvalidToken, Description: description, Cause: cause}
}
