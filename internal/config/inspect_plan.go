package config

// Inspect is a route's injection detection (its own settings over its API's).
type Inspect struct {
	// Mode is block (403 with a finding id), monitor (audit only) or off.
	Mode string
	// Detectors are the detectors that run: sqli, nosqli, cmdi, traversal.
	Detectors []string
	// Headers are the request headers whose values are inspected, besides the
	// query, path parameters, cookies and body.
	Headers []string
	// AllowOperators are NoSQL operators legitimate on this route ($eq, $in …).
	AllowOperators []string
	// Exclusions skip detectors on named fields: the API's, then the route's.
	Exclusions []InspectExclusion
	// MaxValues bounds the values inspected in one request; a request with
	// more is refused rather than inspected in part.
	MaxValues int
}

// InspectExclusion skips Detectors (all when empty) on Field, a location and
// a dotted path: query.q, path.id, cookie.prefs, header.x-sql, form.comment,
// body.items.*.note, body.script.** . With Operators it skips no detector:
// those NoSQL operators pass on Field, every other finding there stands.
type InspectExclusion struct {
	Field     string
	Detectors []string
	Operators []string
}

// Validation checks requests against the API's OpenAPI document.
type Validation struct {
	// Mode is block (400/404/405/415 problem), monitor (audit only) or off.
	// Off when the API attaches no document.
	Mode string
	// Strict refuses operations the document does not declare (404/405).
	Strict bool
	// RejectUnknownQuery refuses query parameters the operation does not declare.
	RejectUnknownQuery bool
}

// WAF is the optional Coraza + OWASP CRS engine.
type WAF struct {
	// Mode is off (default), block or monitor.
	Mode string
	// Paranoia is the CRS paranoia level, 1–4.
	Paranoia int
	// AnomalyThreshold is CRS's inbound anomaly score threshold.
	AnomalyThreshold int
	// RemoveRules are CRS rule ids removed for known false positives.
	RemoveRules []int
}
