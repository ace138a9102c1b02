package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a Redis limiter.
type RedisConfig struct {
	// Prefix is prepended to every Redis key ("bulwark:rl:" is a good
	// choice); it lets several gateways or tests share one Redis.
	Prefix string
	// LocalBatch, when greater than 1, makes each node reserve up to
	// LocalBatch units per Redis call and serve them locally until used or
	// until the lease lapses (the time the limit takes to refill the batch,
	// at most one second). It trades accuracy for fewer round trips on very
	// high limits: the limit is never exceeded globally (every unit served
	// was reserved in Redis first), but units a node reserved and did not
	// use are lost, so a key can be under-admitted by up to LocalBatch-1
	// units per node per lease, and nodes share capacity less evenly;
	// Remaining is then the node's local view. 0 or 1 (the default) disables it.
	LocalBatch int
	// Now is the local clock, used only for batch leases; nil means
	// time.Now. Decisions themselves use the Redis server clock.
	Now func() time.Time
}

// Redis is a Limiter shared by every node using the same Redis: each
// decision is one atomic Lua script (EVALSHA, falling back to EVAL when the
// script is not cached) on the Redis server clock, so nodes with skewed
// clocks agree. Keys carry a PEXPIRE and vanish once back to full allowance.
// Errors (network, timeout, unexpected reply) are returned wrapped and the
// decision is then a denial; wrap Redis in a Failover to choose what happens.
type Redis struct {
	client redis.UniversalClient
	prefix string
	batch  *batcher // nil unless LocalBatch > 1
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a Redis limiter on client (a *redis.Client,
// *redis.ClusterClient or *redis.Ring). Every key lives in one slot, so
// clusters work unchanged.
func NewRedis(client redis.UniversalClient, cfg RedisConfig) *Redis {
	r := &Redis{client: client, prefix: cfg.Prefix}
	if cfg.LocalBatch > 1 {
		r.batch = newBatcher(cfg.LocalBatch, cfg.Now)
	}
	return r
}

// errReply reports a script reply of an unexpected shape.
var errReply = errors.New("unexpected script reply")

// reply is a decoded script reply.
type reply struct {
	d       Decision
	granted int64
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit, cost int) (Decision, error) {
	p, err := compile(l, cost)
	if err != nil {
		return Decision{}, fmt.Errorf("redis limiter: %w", err)
	}
	if r.batch != nil {
		return r.batch.allow(ctx, key, l, p, r.reserve)
	}
	rep, err := r.reserve(ctx, key, l, p, p.cost)
	return rep.d, err
}

// reserve runs the algorithm's script for a request of cost p.cost that
// reserves up to want units when it passes.
func (r *Redis) reserve(ctx context.Context, key string, l Limit, p params, want int64) (reply, error) {
	var (
		script *redis.Script
		args   []any
	)
	if l.Algorithm == SlidingWindow {
		perUS := p.per / int64(time.Microsecond)
		if perUS == 0 {
			return reply{}, fmt.Errorf("redis limiter: %w: window %s below one microsecond", ErrInvalidLimit, l.Per)
		}
		script, key = windowScript, r.prefix+"w:"+key
		args = []any{perUS, p.rate, p.cost, want}
	} else {
		interval := strconv.FormatFloat(float64(p.interval)/float64(time.Microsecond), 'g', -1, 64)
		script, key = gcraScript, r.prefix+"g:"+key
		args = []any{interval, p.burst, p.cost, want}
	}
	res, err := script.Run(ctx, r.client, []string{key}, args...).Int64Slice()
	if err != nil {
		return reply{}, fmt.Errorf("redis limiter: %w", err)
	}
	return decode(res)
}

// decode turns {allowed, granted, remaining, retry_us, reset_us} into a reply.
func decode(v []int64) (reply, error) {
	if len(v) != 5 || v[0] < 0 || v[0] > 1 || v[2] < 0 || v[3] < -1 || v[4] < 0 {
		return reply{}, fmt.Errorf("redis limiter: %w: %v", errReply, v)
	}
	d := Decision{
		Allowed:    v[0] == 1,
		Remaining:  int(v[2]),
		RetryAfter: usec(v[3]),
		ResetAfter: usec(v[4]),
	}
	return reply{d: d, granted: v[1]}, nil
}

// usec converts script microseconds (-1: never) to a Duration.
func usec(v int64) time.Duration {
	if v < 0 || v > int64(RetryNever/time.Microsecond) {
		return RetryNever
	}
	return time.Duration(v) * time.Microsecond
}
