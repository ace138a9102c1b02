package cors

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Request decides an actual request on the guard's route: an allowed origin
// gets the CORS headers on whatever answer follows (a problem included, so
// the page can read why); an origin outside the list is refused (403) unless
// the route passes refused origins, which then get no CORS headers and so
// cannot read the answer (noted on x for the audit).
func (g *Guard) Request(x *exchange.Exchange) *httperr.Problem {
	origin := x.Req.Header.Get("Origin")
	switch g.Check(origin, x.Req.Host) {
	case Allowed:
		g.Headers(x.W.Header(), origin)
	case Refused:
		return Refusal("cors_origin_refused")
	case RefusedPassed:
		x.Note("cors_origin_refused", "") // audited, forwarded without CORS headers
	}
	return nil
}

// AnswerPreflight answers preflight r on w: 204 with the CORS headers, or
// the refusal (403 naming what was refused), which nothing was written for.
func (g *Guard) AnswerPreflight(w http.ResponseWriter, r *http.Request) *httperr.Problem {
	if ok, reason := g.Preflight(r, w.Header()); !ok {
		return Refusal(reason)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Refusal is the answer to a request or preflight the guard refuses; code is
// Preflight's reason or "cors_origin_refused".
func Refusal(code string) *httperr.Problem {
	return httperr.New(http.StatusForbidden, code, "This origin may not call this API from a browser.")
}

// Response drops the upstream's own Access-Control-* headers from its answer
// on a route whose CORS the gateway decides.
func Response(resp *http.Response) error {
	Strip(resp.Header)
	return nil
}
