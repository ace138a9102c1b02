package gateway

import (
	"fmt"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// buildInjection builds a route's request guards (internal/inspect) with the
// engines its API's routes share (the document's validators, the pool's WAF
// instances); nil when all are off.
func buildInjection(rt config.Route, doc *openapi.Doc, wafs *waf.Pool, d Deps) (*inspect.Guard, error) {
	deps := inspect.Deps{Logger: d.Logger}
	if d.Metrics != nil {
		deps.Alert = d.Metrics.Alert
	}
	if rt.Validation.Mode != inspect.ModeOff && doc != nil {
		v, err := doc.Validator(openapi.ValidatorOptions{Strict: rt.Validation.Strict, RejectUnknownQuery: rt.Validation.RejectUnknownQuery})
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		deps.Validator = v
	}
	if rt.WAF.Mode != inspect.ModeOff {
		w, err := wafs.Get(waf.Config{Paranoia: rt.WAF.Paranoia, AnomalyThreshold: rt.WAF.AnomalyThreshold,
			RemoveRules: rt.WAF.RemoveRules, BodyLimit: rt.Limits.MaxBodyBytes})
		if err != nil {
			return nil, err // the waf package names itself
		}
		deps.WAF = firewall{w}
	}
	o := rt.Inspect
	if o.Mode != inspect.ModeOff {
		o.TextFields = inspect.ContractText(doc, rt.Methods, rt.Path)
	}
	return inspect.NewGuard(rt.Validation, o, rt.WAF, deps)
}

// firewall is the WAF as the inspect guard asks for it.
type firewall struct{ w *waf.WAF }

func (f firewall) Check(r *http.Request, body []byte) (inspect.Verdict, error) {
	v, err := f.w.Check(r, body)
	return inspect.Verdict(v), err
}

// checkInjection runs the route's request guards with the body they read:
// the one x holds, else read here within the route's limits and handed to x.
func checkInjection(g *inspect.Guard, x *exchange.Exchange, limits *hygiene.Limits) *httperr.Problem {
	if _, ok := x.Body(); !ok && g.ReadsBody(x.Req) {
		body, p := hygiene.BufferBody(x.Req, limits)
		if p != nil {
			return p
		}
		x.SetBody(body)
	}
	return g.Check(x)
}
