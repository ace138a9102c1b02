package identity

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
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
func (id *Set) buildOAuth(cfg *config.OAuth, prev *Set, st *store.Store, logins bruteforce.Backend, logger *slog.Logger) error {
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
	opts := cfg.Options
	opts.LoginBackend = logins // nil: the server's own memory counters
	srv, err := oauthserver.New(ctx, opts, st, logger)
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
func (id *Set) retireOAuth(next *Set) {
	if id.oauth != nil && (next == nil || next.oauth != id.oauth) {
		id.oauth.close()
	}
}

// OAuth is the plan's built-in authorization server; nil when the plan has
// no oauth section.
func (id *Set) OAuth() *oauthserver.Server {
	if id == nil || id.oauth == nil {
		return nil
	}
	return id.oauth.srv
}
