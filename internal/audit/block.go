package audit

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// OnFailureBlock is the audit.on_failure setting that refuses requests while
// an audit sink is failing.
const OnFailureBlock = "block"

// Health is what Blocked asks of the recorder (*Recorder): whether a sink is
// failing now.
type Health interface{ Failing() bool }

var _ Health = (*Recorder)(nil)

// Blocked returns the 503 that refuses a request, after its checks and before
// the upstream, while onFailure is block and rec (a Health) reports a failing
// sink: for deployments whose compliance forbids serving what cannot be
// recorded. The caller records the refusal itself, so that the failing sink
// is tried again and the block lifts as soon as it writes. nil otherwise,
// also when rec cannot tell.
func Blocked(onFailure string, rec any) *httperr.Problem {
	if onFailure != OnFailureBlock {
		return nil
	}
	h, ok := rec.(Health)
	if !ok || !h.Failing() {
		return nil
	}
	return httperr.New(http.StatusServiceUnavailable, "audit_unavailable",
		"The audit trail cannot be written; requests are refused until it recovers (audit.on_failure: block).")
}
