package filter

// Options are a route's response guards (config key `response:`, the
// route's own over its API's). config decodes and validates them; New builds
// a Guard from them.
type Options struct {
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
func (o Options) Active() bool {
	return o.Contract || len(o.Allow) > 0 || len(o.Deny) > 0 || len(o.Views) > 0 || len(o.Sensitive) > 0 ||
		o.SanitizeErrors || o.Sanitize4xx
}

// SecurityHeaders are set on every response (config key
// `server.security_headers:`); Server and X-Powered-By are always removed.
type SecurityHeaders struct {
	Enabled bool
	Set     map[string]string
}
