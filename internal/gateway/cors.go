package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/route"
)

// preflight answers a CORS preflight at the gateway when the route it asks
// about (the path with the method in Access-Control-Request-Method) has a
// cors section. It reports false when it did not handle the request: a route
// without CORS then gets the ordinary answer (405 for OPTIONS, or 404).
// Preflights carry no credentials by design, so this runs before
// authentication; it never reaches the upstream.
func (g *Gateway) preflight(st *state, w *statusWriter, r *http.Request, ev *audit.Event, entry **routeEntry) bool {
	canonical, err := route.Canonicalize(r.URL.EscapedPath())
	if err != nil {
		return false // the ordinary path refuses it with its reason
	}
	var m route.Match
	res, allow := st.table.Match(r.Host, r.Header.Get("Access-Control-Request-Method"), canonical, &m)
	if res == route.MethodNotAllowed && len(allow) > 0 {
		// The path has routes, none for the asked method: find the route's
		// CORS section through a method it serves; Preflight refuses the method.
		res, _ = st.table.Match(r.Host, allow[0], canonical, &m)
	}
	if res != route.Found {
		return false
	}
	e := &st.routes[st.specRoute[m.Index]]
	if e.cors == nil {
		return false
	}
	*entry = e
	ev.API, ev.Route, ev.Path = e.api, e.name, canonical
	ok, reason := e.cors.Preflight(r, w.Header())
	if !ok {
		g.deny(w, ev.RequestID, httperr.New(http.StatusForbidden, reason, "This origin may not call this API from a browser."), ev)
		return true
	}
	w.WriteHeader(http.StatusNoContent)
	ev.Status, ev.Decision, ev.Reason = http.StatusNoContent, audit.DecisionAllow, "cors_preflight"
	return true
}

// checkCORS decides an actual request on a route with a cors section: an
// allowed origin gets the CORS headers on whatever answer follows (a problem
// included, so the page can read why); an origin outside the list is refused
// (403) unless the route passes refused origins, which then get no CORS
// headers and so cannot read the answer.
func checkCORS(g *cors.Guard, w http.ResponseWriter, r *http.Request, ev *audit.Event) *httperr.Problem {
	origin := r.Header.Get("Origin")
	switch g.Check(origin, r.Host) {
	case cors.Allowed:
		g.Headers(w.Header(), origin)
	case cors.Refused:
		return httperr.New(http.StatusForbidden, "cors_origin_refused", "This origin may not call this API from a browser.")
	case cors.RefusedPassed:
		ev.Rule = "cors_origin_refused" // audited, forwarded without CORS headers
	}
	return nil
}

// withoutUpstreamCORS drops the upstream's own Access-Control-* headers on a
// route whose CORS the gateway decides, then runs next.
func withoutUpstreamCORS(next func(*http.Response) error) func(*http.Response) error {
	return func(resp *http.Response) error {
		cors.Strip(resp.Header)
		if next != nil {
			return next(resp)
		}
		return nil
	}
}
