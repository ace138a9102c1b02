package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// auditHealth is implemented by *audit.Recorder: whether a sink is failing now.
type auditHealth interface{ Failing() bool }

// auditBlocked refuses the request with 503, after its checks and before the
// upstream, while audit.on_failure is block and an audit sink is failing: for deployments whose compliance forbids serving
// what cannot be recorded. The refusal itself is recorded, so that the failing
// sink is tried again and the block lifts as soon as it writes.
func (g *Gateway) auditBlocked(st *state) *httperr.Problem {
	if st.plan.Audit.OnFailure != "block" {
		return nil
	}
	h, ok := g.audit.(auditHealth)
	if !ok || !h.Failing() {
		return nil
	}
	return httperr.New(http.StatusServiceUnavailable, "audit_unavailable",
		"The audit trail cannot be written; requests are refused until it recovers (audit.on_failure: block).")
}
