package gateway

import (
	"fmt"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// apiGuards holds what an API's routes share while a state is built.
type apiGuards struct {
	doc        *openapi.Doc
	validators map[openapi.ValidatorOptions]*openapi.Validator // routes with the same options share one
}

func (a *apiGuards) validator(o openapi.ValidatorOptions) (*openapi.Validator, error) {
	if v := a.validators[o]; v != nil {
		return v, nil
	}
	v, err := a.doc.NewValidator(o)
	if err != nil {
		return nil, err
	}
	if a.validators == nil {
		a.validators = map[openapi.ValidatorOptions]*openapi.Validator{}
	}
	a.validators[o] = v
	return v, nil
}

// buildInjection builds a route's request guards (internal/inspect) with the
// engines its API's routes share; nil when all are off.
func buildInjection(rt config.Route, api *apiGuards, wafs *waf.Pool, d Deps) (*inspect.Guard, error) {
	deps := inspect.Deps{Logger: d.Logger}
	if d.Metrics != nil {
		deps.Alert = d.Metrics.Alert
	}
	if rt.Validation.Mode != inspect.ModeOff && api.doc != nil {
		v, err := api.validator(openapi.ValidatorOptions{Strict: rt.Validation.Strict, RejectUnknownQuery: rt.Validation.RejectUnknownQuery})
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
		o.TextFields = inspect.ContractText(api.doc, rt.Methods, rt.Path)
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
// the one hygiene holds, else read here within the route's limits.
func checkInjection(g *inspect.Guard, x *exchange.Exchange, limits *hygiene.Limits, ev *audit.Event) *httperr.Problem {
	body, ok := hygiene.BufferedBody(x.Req)
	if !ok && g.ReadsBody(x.Req) {
		var p *httperr.Problem
		if body, p = hygiene.BufferBody(x.Req, limits); p != nil {
			return p
		}
	}
	p := g.Check(x, body)
	noted(ev, x)
	return p
}
