package bruteforce

import "log/slog"

// ForRoute builds a login route's guard (NewLoginGuard) counting in b, the
// process's failed-login counters; nil (and no error) when the route has no
// brute_force section (o nil).
func ForRoute(o *Options, b Backend, secret []byte, logger *slog.Logger) (*LoginGuard, error) {
	if o == nil {
		return nil, nil
	}
	return NewLoginGuard(*o, b, secret, logger)
}
