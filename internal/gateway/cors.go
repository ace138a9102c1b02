package gateway

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
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
	var m route.Match // a path that is not canonical: the ordinary path refuses it with its reason
	if err != nil || !st.table.MatchPreflight(r.Host, r.Header.Get("Access-Control-Request-Method"), canonical, &m) {
		return false
	}
	e := &st.routes[st.specRoute[m.Index]]
	if e.cors == nil {
		return false
	}
	*entry = e
	ev.API, ev.Route, ev.Path = e.api, e.name, canonical
	if p := e.cors.AnswerPreflight(w, r); p != nil {
		g.deny(w, ev.RequestID, p, ev)
		return true
	}
	ev.Status, ev.Decision, ev.Reason = http.StatusNoContent, audit.DecisionAllow, "cors_preflight"
	return true
}
