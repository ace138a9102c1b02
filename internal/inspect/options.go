package inspect

// The modes of the request guards Guard runs: what it does with what it
// finds. Anything but ModeOff and ModeMonitor blocks, so a guard never
// switches itself off by mistake.
const (
	ModeBlock   = "block"
	ModeMonitor = "monitor"
	ModeOff     = "off"
)

// Options are a route's injection detection (config key `inspect:`, the
// route's own over its API's): the mode and the inspector's Config.
type Options struct {
	// Mode is block (403 with a finding id), monitor (audit only) or off.
	Mode string
	Config
}

// ValidationOptions check requests against the API's OpenAPI document
// (config key `validation:`).
type ValidationOptions struct {
	// Mode is block (400/404/405/415 problem), monitor (audit only) or off.
	// Off when the API attaches no document.
	Mode string
	// Strict refuses operations the document does not declare (404/405).
	Strict bool
	// RejectUnknownQuery refuses query parameters the operation does not declare.
	RejectUnknownQuery bool
}

// WAFOptions are the optional Coraza + OWASP CRS engine (config key `waf:`).
type WAFOptions struct {
	// Mode is off (default), block or monitor.
	Mode string
	// Paranoia is the CRS paranoia level, 1–4.
	Paranoia int
	// AnomalyThreshold is CRS's inbound anomaly score threshold.
	AnomalyThreshold int
	// RemoveRules are CRS rule ids removed for known false positives.
	RemoveRules []int
}
