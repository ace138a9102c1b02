package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// oauthEntry is the built-in authorization server of a plan (the oauth
// section): its endpoints and pages on the proxy listener, and the
// authenticator of routes with `auth: [oauth]`.
type oauthEntry struct {
	cfg  config.OAuth
	srv  *oauthserver.Server
	auth *oauthserver.Authenticator
}

// buildOAuth creates the server, reusing prev's when its config is unchanged.
func (id *identity) buildOAuth(cfg *config.OAuth, prev *identity, st *store.Store, logger *slog.Logger) error {
	if cfg == nil {
		return nil
	}
	if prev != nil && prev.oauth != nil && reflect.DeepEqual(prev.oauth.cfg, *cfg) {
		id.oauth = prev.oauth
		return nil
	}
	if st == nil {
		return fmt.Errorf("oauth: the authorization server needs a store")
	}
	ctx := context.Background()
	srv, err := oauthserver.New(ctx, cfg.Options, st, logger)
	if err != nil {
		return err
	}
	auth, err := oauthserver.NewAuthenticator(srv, cfg.RevocationPoll, logger)
	if err != nil {
		return fmt.Errorf("oauth: %w", err)
	}
	srv.Start(ctx)
	auth.Start(ctx) // both stopped by close when no plan uses them any more
	e := &oauthEntry{cfg: *cfg, srv: srv, auth: auth}
	id.oauth = e
	id.owned = append(id.owned, e.close)
	return nil
}

func (e *oauthEntry) close() {
	e.auth.Close()
	e.srv.Close()
}

// retireOAuth stops id's server unless next reuses it.
func (id *identity) retireOAuth(next *identity) {
	if id.oauth != nil && (next == nil || next.oauth != id.oauth) {
		id.oauth.close()
	}
}

// serveOAuth answers the authorization server's paths on the proxy listener
// (after the per-IP shield, before route matching). It reports whether it did.
func (g *Gateway) serveOAuth(st *state, w http.ResponseWriter, r *http.Request, ev *audit.Event) bool {
	if st.id == nil || st.id.oauth == nil || !oauthserver.Owns(r.URL.Path) {
		return false
	}
	ev.API, ev.Route, ev.Path = "oauth", r.URL.Path, r.URL.Path
	ev.Decision = audit.DecisionAllow
	// The login limiter counts per client IP as the gateway resolved it.
	r2 := r.Clone(r.Context())
	r2.RemoteAddr = net.JoinHostPort(ev.ClientIP, "0")
	st.id.oauth.srv.ServeHTTP(w, r2)
	return true
}
