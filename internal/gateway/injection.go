package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// injectionOf is what a route's request guards (internal/inspect) are built
// from: its options, its operation in doc, the WAF instances of the pool, its
// body limits for the bodies the guards read.
func injectionOf(rt config.Route, doc *openapi.Doc, wafs *waf.Pool) inspect.Route {
	lim := rt.Limits // BufferBody reads only the size limit, the route's own
	return inspect.Route{Validation: rt.Validation, Inspect: rt.Inspect, WAF: rt.WAF, Doc: doc, Methods: rt.Methods, Path: rt.Path,
		Engine: func() (inspect.Firewall, error) {
			w, err := wafs.Get(waf.Config{Paranoia: rt.WAF.Paranoia, AnomalyThreshold: rt.WAF.AnomalyThreshold,
				RemoveRules: rt.WAF.RemoveRules, BodyLimit: rt.Limits.MaxBodyBytes})
			if err != nil {
				return nil, err
			}
			return firewall{w}, nil
		},
		Read: func(r *http.Request) ([]byte, *httperr.Problem) { return hygiene.BufferBody(r, &lim) }}
}

// firewall is the WAF as the inspect guard asks for it.
type firewall struct{ w *waf.WAF }

func (f firewall) Check(r *http.Request, body []byte) (inspect.Verdict, error) {
	v, err := f.w.Check(r, body)
	return inspect.Verdict(v), err
}
