package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/gateway"
)

// logDiagnostics logs config problems: errors at ERROR, warnings at WARN, each
// with its position ("file:line:col: path: severity: message").
func logDiagnostics(log *slog.Logger, diags config.Diagnostics) {
	for _, d := range diags {
		if d.Severity == config.Error {
			log.Error("config", "diagnostic", d.String())
		} else {
			log.Warn("config", "diagnostic", d.String())
		}
	}
}

// Verified adds what only building the guards finds (gateway.Verify) to the
// config's diagnostics, each at its route's line: serve and a reload refuse
// exactly what check refuses, and name every problem.
func Verified(plan *config.Plan, diags config.Diagnostics) config.Diagnostics {
	if plan == nil || diags.HasErrors() {
		return diags
	}
	for _, e := range gateway.Verify(plan) {
		diags = append(diags, config.Diagnostic{File: plan.Source, Line: e.Line, Severity: config.Error, Message: e.Error()})
	}
	return diags
}

// applyLevel sets the logger's level from the config unless a flag fixed it.
func (o Options) applyLevel(plan *config.Plan) {
	if o.Level == nil || o.LevelFixed {
		return
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(plan.Log.Level)); err == nil { // config validated it
		o.Level.Set(l)
	}
}

// routeLibraryLogs sends what third-party libraries log into the process's JSON
// log. go-redis otherwise prints plain-text lines (pool and reconnect notices)
// to stderr, in the middle of the JSON stream. Its messages name addresses and
// Redis errors, never request data. net/http's ErrorLog is set per server.
func routeLibraryLogs(log *slog.Logger) {
	redis.SetLogger(redisLogger{log: log.With("component", "redis")})
}

// redisLogger adapts go-redis's Printf-style logger to slog.
type redisLogger struct{ log *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	// go-redis logs failures it recovers from (reconnects, pool dials): WARN,
	// since the limiter's failure mode already logs an outage once at ERROR.
	r.log.WarnContext(ctx, msg)
}
