package graphql

import (
	"context"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Stage is a route's Guard as the request pipeline runs it, with what it
// needs from the other stages handed in as functions, so that this package
// imports none of them: the gateway builds one per GraphQL route.
type Stage struct {
	*Guard
	// Inspects: injection inspection runs after the guard (Admit's inspect).
	Inspects bool
	// Buffer reads a POST body hygiene admitted but left streaming, within the
	// route's body limit (hygiene.BufferBody).
	Buffer func(*http.Request) ([]byte, *httperr.Problem)
	// Hold installs a rewritten body as a buffered one (hygiene.SetBody).
	Hold func(*http.Request, []byte)
	// Charge charges x.Cost to the route's limits and quota with cost:
	// graphql (limits.Guard.ChargeCost); nil charges nothing.
	Charge func(context.Context, *exchange.Exchange) *httperr.Problem
}

// Run runs the guard on the body hygiene admitted, then charges the
// operation's cost. The cost is charged here, not with the request-counting
// limits, because it exists only once the operation is parsed and priced;
// the request-counting limits still run before the body is read. A request
// the guard refuses spends no cost. A POST body is buffered and held on x
// for the guards after this one; a rewritten body ("null" mode) is held like
// a buffered one, so they read it without another copy.
func (s *Stage) Run(x *exchange.Exchange) *httperr.Problem {
	var body []byte
	if x.Req.Method == http.MethodPost {
		var ok bool
		if body, ok = x.Body(); !ok {
			var p *httperr.Problem
			if body, p = s.Buffer(x.Req); p != nil {
				return p
			}
			x.SetBody(body)
		}
	}
	body, p := s.Admit(x, body, s.Inspects)
	if p != nil {
		return p
	}
	if body != nil {
		s.Hold(x.Req, body)
		x.SetBody(body)
	}
	if s.Charge == nil {
		return nil
	}
	return s.Charge(x.Req.Context(), x)
}
