package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/gateway"
)

// ready reports whether the process can serve what its config promises:
//   - the store answers (keys, ownership, quotas live there);
//   - every JWT issuer a route uses has verification keys (without them
//     every token of that issuer gets 503);
//   - Redis answers, when a rate limit's failure mode is "closed" (such a
//     limit refuses every request while Redis is away; "local" and "open"
//     limits keep serving, so an outage does not take the node out of
//     rotation for them).
//
// The error names what is missing, never a cause that could carry a DSN or an
// address; causes go to the diagnostic log at debug.
func (p *process) ready(ctx context.Context) error {
	var errs []error
	if p.store != nil {
		if err := p.store.Ping(ctx); err != nil {
			p.log.Debug("readiness: store", "error", err)
			errs = append(errs, errors.New("the store does not answer"))
		}
	}
	if p.gw != nil {
		if err := p.gw.Ready(); err != nil {
			errs = append(errs, err)
		}
	}
	if p.limiters != nil && p.limiters.client != nil && p.gw != nil && usesFailClosed(p.gw.Plan()) {
		if err := p.limiters.client.Ping(ctx).Err(); err != nil {
			p.log.Debug("readiness: redis", "error", err)
			errs = append(errs, fmt.Errorf("redis does not answer and a rate limit fails closed"))
		}
	}
	return errors.Join(errs...)
}

// usesFailClosed reports whether a limit of plan refuses requests while Redis is away.
func usesFailClosed(plan *config.Plan) bool {
	for _, api := range plan.APIs {
		for _, r := range api.Routes {
			for _, l := range r.RateLimits {
				if l.OnRedisFailure == "closed" {
					return true
				}
			}
		}
	}
	return false
}

// proxyHandler is the proxy listener's handler: the gateway, with the
// optional liveness path of server.health_path answered first (followed
// across reloads), for load balancers that can only probe the traffic port.
type proxyHandler struct{ gw *gateway.Gateway }

func (h proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if hp := h.gw.Plan().Server.HealthPath; hp != "" && r.URL.Path == hp && r.URL.RawQuery == "" &&
		(r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
		}
		return
	}
	h.gw.ServeHTTP(w, r)
}
