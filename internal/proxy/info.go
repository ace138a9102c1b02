package proxy

import (
	"net/http"
	"time"
)

// Forwarded holds what the gateway decided about the client. The proxy sends
// these values upstream as X-Forwarded-For, X-Forwarded-Proto and
// X-Forwarded-Host after removing every client-sent forwarding header.
type Forwarded struct {
	ClientIP string // the client address the gateway believes
	Proto    string // "http" or "https", as the client reached the gateway
	Host     string // the Host the client asked for
}

// Outcome is what happened to one forwarded request, for audit and metrics.
type Outcome struct {
	// Target is the base URL of the last target tried, "" if none was picked.
	Target string
	// Status is the status sent to the client (101 for upgrades).
	Status int
	// Code is the problem code when the proxy answered itself, else "".
	Code string
	// Err is the internal cause of a proxy-made answer or of an aborted stream.
	Err error
	// Latency is the upstream's own time: from handing the request to the
	// transport to the response headers (the last attempt). Zero when no
	// answer arrived.
	Latency time.Duration
}

// RequestInfo is what the gateway hands Upstream.Forward with each request:
// the gateway fills Forwarded, Keep, RequestID and the response guards, the
// proxy fills Outcome. A RequestInfo belongs to one request and must not be
// shared.
type RequestInfo struct {
	Forwarded
	Outcome

	// RequestID is echoed in the problems the proxy answers with and in its
	// logs.
	RequestID string

	// Response, when set, runs on the upstream's response before it is sent
	// (response guards: ownership learning, list filtering). It may replace
	// resp.Body. Returning a *httperr.Problem answers with that problem instead
	// of the response; any other error answers 502 (fail closed).
	Response func(resp *http.Response) error

	// Keep names headers the gateway set on the request (canonical keys) that
	// must reach the target exactly as set: whatever the client's Connection
	// header lists, the outbound request carries the inbound request's values
	// of these names and no other spelling of them. The same names are removed
	// from the target's response, so the gateway's own values (X-Request-Id)
	// are the only ones the client sees. The slice is read only.
	Keep []string

	target  *target     // target currently tried
	charged *target     // target already charged a passive failure
	body    *bodyWatch  // outgoing body wrapper, nil without a body
	inPath  inboundPath // request path as the caller set it
	sent    bool        // the transport was called
	sync    bool        // the synchronous client may take it (h1.go)
	sentAt  time.Time   // when the request was handed to the transport
	rtErr   error       // error the transport returned, if any
}

// inboundPath is the part of the caller's URL joined onto a target's base.
type inboundPath struct{ path, rawPath string }

// Before makes first run on the upstream's answer before the response guards
// already set in Response; nil adds nothing. An error from first stops the
// guards after it.
func (ri *RequestInfo) Before(first func(resp *http.Response) error) {
	next := ri.Response
	switch {
	case first == nil:
	case next == nil:
		ri.Response = first
	default:
		ri.Response = func(resp *http.Response) error {
			if err := first(resp); err != nil {
				return err
			}
			return next(resp)
		}
	}
}
