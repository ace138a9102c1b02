package audit

import "time"

// Decision values recorded in Event.Decision.
const (
	DecisionAllow = "allow" // the request reached the upstream
	DecisionDeny  = "deny"  // a guard refused it
	DecisionError = "error" // the upstream or the gateway failed
)

// Event is one request's audit record. Its JSON form is a documented, stable schema
// (docs/audit.md). It never holds credentials, cookies, tokens or bodies.
type Event struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	API       string    `json:"api,omitempty"`
	Route     string    `json:"route,omitempty"`
	Method    string    `json:"method"`
	Path      string    `json:"path"` // canonical path, never the query string
	ClientIP  string    `json:"client_ip"`
	Principal string    `json:"principal,omitempty"` // subject or consumer id, never a credential
	Decision  string    `json:"decision"`
	Reason    string    `json:"reason,omitempty"` // stable reason code of the deciding guard
	Status    int       `json:"status"`
	// LatencyMS is the time from the first byte read to the response written, in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	Upstream  string  `json:"upstream,omitempty"` // target that served the request
	// Rule is the id of the authorization rule that decided ("owner[0]", "policy").
	Rule string `json:"rule,omitempty"`
	// Object is the object the decision was about, as type:id ("order:1001").
	Object string `json:"object,omitempty"`
	// TraceID is the W3C trace id of the request's trace when tracing recorded
	// it (32 hex digits), so a refusal leads to its spans.
	TraceID string `json:"trace_id,omitempty"`
	// SpanID is the request span's id in that trace (16 hex digits).
	SpanID string `json:"span_id,omitempty"`

	// ack, when not nil, hears whether the store wrote the event
	// (Config.WaitForStore); it never leaves the process.
	ack chan bool
}

// maxRawPath bounds a refused path kept in an event.
const maxRawPath = 256

// RawPath is what an event keeps of a refused request's path (one that could
// not be canonicalized): its escaped form, truncated, so the event shows the
// attempt without carrying an unbounded attacker string. The escaped form is
// printable ASCII except for raw bytes the client sent, which the encoder
// escapes.
func RawPath(escaped string) string {
	if len(escaped) > maxRawPath {
		return escaped[:maxRawPath] + "…"
	}
	return escaped
}
