package gateway

import (
	"log/slog"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/enumeration"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// buildAuthz builds a route's authorization guard (internal/authz), nil when
// the route configures none beyond scopes. The document's readOnly request
// properties join the route's write-protected fields.
func buildAuthz(rt config.Route, doc *openapi.Doc, d authz.Deps) (*authz.Guard, error) {
	o := rt.Authz.WithReadOnly(doc.RouteReadOnly(rt.Methods, rt.Path))
	if !o.Active() {
		return nil, nil
	}
	return authz.New(o, d)
}

// ownerRecords are the process's ownership records, created on first use and
// shared by every route and reload, with the getter the authorization guards ask.
func ownerRecords(st *store.Store, logger *slog.Logger) (*ownership.Shared, func() (authz.Records, error)) {
	var recStore ownership.Store // nil unless there is a store (a nil *store.Store is not)
	if st != nil {
		recStore = st
	}
	own := ownership.NewShared(recStore, logger)
	return own, func() (authz.Records, error) {
		rec, err := own.Get()
		if err != nil {
			return nil, err // never a typed nil in the interface
		}
		return rec, nil
	}
}

// alertEnumeration turns a tripped enumeration rule into an audit alert
// event, a metric and a warning.
func (g *Gateway) alertEnumeration(alert *enumeration.Alert, ev *audit.Event) {
	kind := "enumeration_" + alert.Rule
	g.metrics.Alert(kind)
	g.logger.Warn("suspected object-id enumeration", "principal", alert.Principal, "route", alert.Route,
		"rule", alert.Rule, "distinct", alert.Distinct, "denied", alert.Denied, "requests", alert.Requests)
	a := *ev
	a.Decision, a.Reason, a.Rule = "alert", kind, "enumeration"
	a.Time = g.now()
	g.audit.Record(a)
}
