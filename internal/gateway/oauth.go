package gateway

import (
	"net"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
)

// serveOAuth answers the authorization server's paths on the proxy listener
// (after the per-IP shield, before route matching). It reports whether it did.
func (g *Gateway) serveOAuth(st *state, w http.ResponseWriter, r *http.Request, ev *audit.Event) bool {
	srv := st.id.OAuth()
	if srv == nil || !oauthserver.Owns(r.URL.Path) {
		return false
	}
	ev.API, ev.Route, ev.Path = "oauth", r.URL.Path, r.URL.Path
	ev.Decision = audit.DecisionAllow
	// The login limiter counts per client IP as the gateway resolved it.
	r2 := r.Clone(r.Context())
	r2.RemoteAddr = net.JoinHostPort(ev.ClientIP, "0")
	srv.ServeHTTP(w, r2)
	return true
}
