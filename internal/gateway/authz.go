package gateway

import (
	"context"
	"errors"
	"log/slog"
	"sync"

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
	o := rt.Authz.WithReadOnly(docReadOnly(doc, rt.Methods, rt.Path))
	if !o.Active() {
		return nil, nil
	}
	return authz.New(o, d)
}

// docReadOnly lists the document's readOnly request properties of a route's
// write methods: a client may not set what the contract says it only reads.
func docReadOnly(doc *openapi.Doc, methods []string, path string) []string {
	if doc == nil {
		return nil
	}
	var out []string
	for _, m := range methods {
		if m == "GET" || m == "HEAD" || m == "DELETE" {
			continue
		}
		if op, ok := doc.Match(m, path); ok {
			out = append(out, doc.ReadOnlyFields(op.Method, op.Path)...)
		}
	}
	return out
}

var errNoRecords = errors.New("ownership records need a store")

// ownerRecords creates the shared ownership records on first use and keeps
// them for the gateway's life (reloads reuse them).
type ownerRecords struct {
	store  *store.Store
	logger *slog.Logger
	mu     sync.Mutex
	rec    *ownership.Records
}

func (o *ownerRecords) get() (authz.Records, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rec != nil {
		return o.rec, nil
	}
	if o.store == nil {
		return nil, errNoRecords
	}
	rec, err := ownership.New(o.store, ownership.Config{}, o.logger)
	if err != nil {
		return nil, err
	}
	rec.Start(context.Background()) // stopped by close
	o.rec = rec
	return rec, nil
}

func (o *ownerRecords) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rec != nil {
		o.rec.Close()
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
