package inspect

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/openapi"
)

// Route is what a route's request guards are built from: its typed options
// and its operation in the API's document.
type Route struct {
	Validation ValidationOptions
	Inspect    Options
	WAF        WAFOptions
	// Doc is the API's OpenAPI document; nil when it attaches none
	// (validation is then off whatever its mode).
	Doc *openapi.Doc
	// Methods and Path are the route's, to find its operation in Doc.
	Methods []string
	Path    string
	// Engine returns the rule engine (shared by the routes with the same
	// settings); asked only when WAF.Mode is not off, after the validator.
	Engine func() (Firewall, error)
	// Read buffers the bodies Admit reads; required.
	Read BodyReader
}

// BodyReader reads a request body not yet buffered, within the route's body
// limits (hygiene.BufferBody), answering a body it cannot read with the
// problem the client receives.
type BodyReader func(r *http.Request) ([]byte, *httperr.Problem)

// errNoReader refuses a guard that could not read the bodies it inspects.
var errNoReader = errors.New("inspect: no body reader")

// ForRoute builds a route's request guards with the engines its API's routes
// share: the document's validator (Doc.Validator, one per options), the text
// contract of the operation's fields, the rule engine rt.Engine returns (it
// replaces d.WAF). It returns nil (and no error) when all three are off.
func ForRoute(rt Route, d Deps) (*Guard, error) {
	if rt.Validation.Mode != ModeOff && rt.Doc != nil {
		v, err := rt.Doc.Validator(openapi.ValidatorOptions{Strict: rt.Validation.Strict,
			RejectUnknownQuery: rt.Validation.RejectUnknownQuery})
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		d.Validator = v
	}
	if rt.WAF.Mode != ModeOff {
		if rt.Engine == nil {
			return nil, errors.New("waf: mode " + rt.WAF.Mode + " without an engine")
		}
		w, err := rt.Engine()
		if err != nil {
			return nil, err // the engine names itself
		}
		d.WAF = w
	}
	o := rt.Inspect
	if o.Mode != ModeOff {
		o.TextFields = ContractText(rt.Doc, rt.Methods, rt.Path)
	}
	g, err := NewGuard(rt.Validation, o, rt.WAF, d)
	if g == nil || err != nil {
		return nil, err
	}
	if rt.Read == nil {
		return nil, errNoReader
	}
	g.read = rt.Read
	return g, nil
}

// Admit runs Check with the body the guards read: the one x holds, else,
// when a guard reads this request's body (ReadsBody), the body read here and
// handed to x for the guards after it. A guard without a body reader (one not
// built by ForRoute) refuses such a request: it cannot decide on a body it
// cannot read.
func (g *Guard) Admit(x *exchange.Exchange) *httperr.Problem {
	if _, ok := x.Body(); !ok && g.ReadsBody(x.Req) {
		if g.read == nil {
			return httperr.New(http.StatusInternalServerError, "internal", "").WithCause(errNoReader)
		}
		body, p := g.read(x.Req)
		if p != nil {
			return p
		}
		x.SetBody(body)
	}
	return g.Check(x)
}
