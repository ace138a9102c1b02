package redisconn

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// UseLogger sends go-redis's own messages (a Sentinel naming a new primary, a
// cluster node going away) to logger as structured lines instead of plain
// text on stderr. go-redis has one logger per process.
func UseLogger(logger *slog.Logger) {
	if logger != nil {
		redis.SetLogger(slogPrinter{logger})
	}
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.l.InfoContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
