package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/gateway"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/redisconn"
)

// limiters are the process's counter backends: local memory always, and Redis
// behind a failover per failure mode when cluster.redis is set.
type limiters struct {
	local     *ratelimit.Memory
	client    redis.UniversalClient
	failovers map[string]*ratelimit.Failover
	brute     bruteforce.Backend
	secret    []byte
}

func newLimiters(c config.Cluster, logger *slog.Logger) (*limiters, error) {
	l := &limiters{local: ratelimit.NewMemory(ratelimit.MemoryConfig{}), brute: bruteforce.NewMemoryBackend(),
		secret: []byte(c.Secret)}
	if c.Redis == "" {
		return l, nil
	}
	// One server, Sentinel or Cluster; every client fails fast (no retries,
	// short timeouts) into the limits' failure modes.
	opt, err := redisconn.Parse(c.Redis)
	if err != nil {
		return nil, fmt.Errorf("cluster.redis: %w", err) // never echoes the URL, which may hold a password
	}
	redisconn.UseLogger(logger)
	l.client = opt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.client.Ping(ctx).Err(); err != nil {
		// Not fatal: each limit applies its failure mode until Redis answers.
		logger.Warn("redis unreachable at start; rate limits use their failure mode until it answers", "error", err)
	}
	shared := ratelimit.NewRedis(l.client, ratelimit.RedisConfig{Prefix: "bulwark:", LocalBatch: c.LocalBatch})
	// Failed logins are shared too, or an attacker would spread guesses over nodes.
	l.brute = bruteforce.NewRedisBackend(l.client, "bulwark:bf:")
	l.failovers = map[string]*ratelimit.Failover{
		"local":  ratelimit.NewFailover(shared, l.local, ratelimit.FailLocal, logger),
		"closed": ratelimit.NewFailover(shared, l.local, ratelimit.FailClosed, logger),
		"open":   ratelimit.NewFailover(shared, l.local, ratelimit.FailOpen, logger),
	}
	return l, nil
}

// gateway returns the limiters as the gateway uses them.
func (l *limiters) gateway() gateway.Limiters {
	return gateway.Limiters{
		Local:      l.local,
		BruteForce: l.brute,
		Secret:     l.secret,
		Shared: func(mode string) ratelimit.Limiter {
			if f, ok := l.failovers[mode]; ok {
				return f
			}
			return l.local
		},
	}
}

// health reports the shared backend's state for the metrics.
func (l *limiters) health() metrics.LimiterHealth {
	var h metrics.LimiterHealth
	for _, f := range l.failovers {
		n, degraded := f.Stats()
		h.Failures += n
		h.Degraded = h.Degraded || degraded
	}
	return h
}

func (l *limiters) close() {
	if l.client != nil {
		_ = l.client.Close()
	}
}
