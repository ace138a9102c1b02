package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/statuswriter"
)

// preflight answers a CORS preflight at the gateway when the route it asks
// about (the path with the method in Access-Control-Request-Method) has a
// cors section. It reports false when it did not handle the request: a route
// without CORS then gets the ordinary answer (405 for OPTIONS, or 404).
// Preflights carry no credentials by design, so this runs before
// authentication; it never reaches the upstream.
func (g *Gateway) preflight(st *state, w *statuswriter.Writer, r *http.Request, ev *audit.Event, entry **routeEntry) bool {
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
	if ok, reason := e.cors.Preflight(r, w.Header()); !ok {
		g.deny(w, ev.RequestID, cors.Refusal(reason), ev)
		return true
	}
	w.WriteHeader(http.StatusNoContent)
	ev.Status, ev.Decision, ev.Reason = http.StatusNoContent, audit.DecisionAllow, "cors_preflight"
	return true
}
