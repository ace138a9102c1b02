// Package recoverer turns a panic in the request path into an answer, an
// audit outcome, a metric and a log line, instead of a reset connection. It is
// defence in depth: a panic is a bug to fix, never a way to decide a request.
package recoverer

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Reason is the audit reason of a request whose handling panicked.
const Reason = "internal_error"

// Counter counts recovered panics (*metrics.Metrics: bulwark_panics_total).
type Counter interface{ Panic() }

// Handle handles v, a value recovered from a panic while answering w with
// request id reqID, and shapes ev for the audit record. started tells whether
// the answer's header has gone out, with status.
//
// Before the answer has started, the client gets a 500 problem with
// Connection: close, and whatever the handler had staged in w's header is
// dropped. After, a second answer cannot be written: Handle panics with
// http.ErrAbortHandler, so the client sees a truncated answer, never a forged
// end to it. http.ErrAbortHandler itself (the proxy aborting a broken upstream
// stream) is not a bug: it is re-panicked untouched and not counted.
func Handle(v any, w http.ResponseWriter, started bool, status int, reqID string, ev *audit.Event, c Counter, logger *slog.Logger) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	c.Panic()
	// The value of a panic(...) can quote request data; only runtime errors
	// (nil dereference, bounds) are logged as text. The stack holds no data.
	what := fmt.Sprintf("%T", v)
	if re, ok := v.(runtime.Error); ok {
		what = re.Error()
	}
	logger.Error("panic in the request path", "request_id", reqID, "panic", what, "stack", string(debug.Stack()))
	ev.Decision, ev.Reason = audit.DecisionError, Reason
	if started {
		ev.Status = status
		panic(http.ErrAbortHandler)
	}
	h := w.Header()
	for k := range h { // whatever the handler had staged belongs to no answer
		delete(h, k)
	}
	p := httperr.New(http.StatusInternalServerError, Reason, "").WithHeader("Connection", "close")
	ev.Status = p.Status
	httperr.Write(w, reqID, p)
}
