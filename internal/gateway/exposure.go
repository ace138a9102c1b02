package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/exchange"
)

// then runs first on the upstream's answer, then next; either may be nil.
func then(first, next func(*http.Response) error) func(*http.Response) error {
	if first == nil {
		return next
	}
	if next == nil {
		return first
	}
	return func(resp *http.Response) error {
		if err := first(resp); err != nil {
			return err
		}
		return next(resp)
	}
}

// noted moves what the guards noted on x into the audit event, once, when the
// request is over. Guards note on x as they run, so a later guard's note has
// replaced an earlier one's for the same field. A noted reason (a finding let
// pass) is the event's only when the request's decision named none: a
// refusal's reason, an upstream error's and a panic's take precedence.
func noted(ev *audit.Event, x *exchange.Exchange) {
	n := &x.Notes
	if n.Rule != "" {
		ev.Rule = n.Rule
	}
	if n.Object != "" {
		ev.Object = n.Object
	}
	if n.Reason != "" && ev.Reason == "" {
		ev.Reason = n.Reason
	}
	*n = exchange.Notes{}
}
