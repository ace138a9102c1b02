package config

// Response is a route's response guards (excessive data exposure).
type Response struct {
	// Contract cuts responses to the OpenAPI document's declared properties
	// (on when the API attaches a document, unless turned off).
	Contract bool
	// Allow lists the fields a response may carry when there is no document
	// (empty: no allow-list); Deny fields are always removed.
	Allow, Deny []string
	// Views add fields for callers holding one of their roles.
	Views []View
	// Sensitive maps a kind of sensitive value to an action: redact, block,
	// monitor or off.
	Sensitive map[string]string
	// SanitizeErrors replaces leaky 5xx bodies (and 4xx with Sanitize4xx).
	SanitizeErrors, Sanitize4xx bool
	// MaxBuffer bounds a filtered body held in memory; OnOverflow says what
	// happens past it: block (502) or pass (unfiltered, logged).
	MaxBuffer  int64
	OnOverflow string
	// PassMediaTypes are the media types ("text/csv", "image/*") passed
	// unfiltered on a route with body guards; any other answer the guards
	// cannot read as JSON is refused with 502.
	PassMediaTypes []string
}

// View is a set of extra fields for some roles.
type View struct {
	Roles []string
	Allow []string
}

// Active reports whether any body guard is configured.
func (r Response) Active() bool {
	return r.Contract || len(r.Allow) > 0 || len(r.Deny) > 0 || len(r.Views) > 0 || len(r.Sensitive) > 0 ||
		r.SanitizeErrors || r.Sanitize4xx
}

// SecurityHeaders are set on every response; Server and X-Powered-By are
// always removed.
type SecurityHeaders struct {
	Enabled bool
	Set     map[string]string
}
