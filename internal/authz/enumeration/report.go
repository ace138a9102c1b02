package enumeration

import (
	"log/slog"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// Reporter makes a tripped rule known: a metric, a warning and an audit
// event of its own beside the request's.
type Reporter struct {
	Metric func(kind string) // counts alerts by kind (metrics.Alert)
	Logger *slog.Logger
	Audit  interface{ Record(audit.Event) }
}

// Report reports a, tripped by the request whose audit event is ev: the
// alert event is a copy of it at now, decision "alert", reason
// enumeration_<rule>, rule "enumeration".
func (r Reporter) Report(a *Alert, ev audit.Event, now time.Time) {
	kind := "enumeration_" + a.Rule
	r.Metric(kind)
	r.Logger.Warn("suspected object-id enumeration", "principal", a.Principal, "route", a.Route,
		"rule", a.Rule, "distinct", a.Distinct, "denied", a.Denied, "requests", a.Requests)
	ev.Decision, ev.Reason, ev.Rule = "alert", kind, "enumeration"
	ev.Time = now
	r.Audit.Record(ev)
}
