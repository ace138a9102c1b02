package gateway

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// reasonInternal is the audit reason of a request whose handling panicked.
const reasonInternal = "internal_error"

// recoverPanic turns a panic in the request path into an answer, an audit
// event and a metric, instead of a reset connection. It is defence in depth:
// a panic is a bug to fix, never a way to decide a request. ServeHTTP defers
// it after finish, so it runs first and finish records the event it shapes.
//
// Before the response has started, the client gets a 500 problem. After, a
// second response cannot be written: the stream is aborted
// (http.ErrAbortHandler), so the client sees a truncated answer, never a
// forged end to it. http.ErrAbortHandler itself (the proxy aborting a broken
// upstream stream) passes through untouched: finish records it.
func (g *Gateway) recoverPanic(sw *statusWriter, reqID string, ev *audit.Event) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	g.panicked(sw, reqID, ev, v)
}

// panicked handles a recovered panic value v; it panics with
// http.ErrAbortHandler when the response had already started.
func (g *Gateway) panicked(sw *statusWriter, reqID string, ev *audit.Event, v any) {
	g.metrics.Panic()
	// The value of a panic(...) can quote request data; only runtime errors
	// (nil dereference, bounds) are logged as text. The stack holds no data.
	what := fmt.Sprintf("%T", v)
	if re, ok := v.(runtime.Error); ok {
		what = re.Error()
	}
	g.logger.Error("panic in the request path", "request_id", reqID, "panic", what, "stack", string(debug.Stack()))
	ev.Decision, ev.Reason = audit.DecisionError, reasonInternal
	if sw.wrote {
		ev.Status = sw.status
		panic(http.ErrAbortHandler)
	}
	sw.onHeader = nil // a hook may be what panicked
	h := sw.Header()
	for k := range h { // whatever the handler had staged belongs to no answer
		delete(h, k)
	}
	p := httperr.New(http.StatusInternalServerError, reasonInternal, "").WithHeader("Connection", "close")
	ev.Status = p.Status
	httperr.Write(sw, reqID, p)
}
