package bruteforce

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// failScript counts a failure: KEYS[1] is the counter, KEYS[2] the lock;
// ARGV is window ms, max failures, lockout ms. The counter gets its expiry
// with its first failure (or if it somehow lost it); reaching the maximum
// sets the lock and starts the count over. Returns {count, lock ttl ms}.
var failScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local max = tonumber(ARGV[2])
if max > 0 and n >= max then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
end
local l = redis.call('PTTL', KEYS[2])
if l < 0 then l = 0 end
return {n, l}
`)

// getScript reads a subject: {count, lock ttl ms}.
var getScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local l = redis.call('PTTL', KEYS[2])
if l < 0 then l = 0 end
return {n, l}
`)

// RedisBackend is a Backend shared by every node through Redis. Expiry runs
// on the Redis server's clock, so nodes' clocks do not matter.
type RedisBackend struct {
	c      redis.UniversalClient
	prefix string
}

var _ Backend = (*RedisBackend)(nil)

// NewRedisBackend returns a backend keeping its keys under prefix (e.g.
// "bulwark:bf:"). Each subject has two keys, "{key}:n" and "{key}:lock",
// in one cluster slot.
func NewRedisBackend(client redis.UniversalClient, prefix string) *RedisBackend {
	return &RedisBackend{c: client, prefix: prefix}
}

func (r *RedisBackend) keys(key string) []string {
	base := r.prefix + "{" + key + "}"
	return []string{base + ":n", base + ":lock"}
}

// Get implements Backend.
func (r *RedisBackend) Get(ctx context.Context, key string, _ time.Time) (State, error) {
	return r.run(ctx, getScript, key)
}

// Fail implements Backend.
func (r *RedisBackend) Fail(ctx context.Context, key string, p Policy, _ time.Time) (State, error) {
	return r.run(ctx, failScript, key, ms(p.Window), p.MaxFailures, ms(p.Lockout))
}

// Reset implements Backend.
func (r *RedisBackend) Reset(ctx context.Context, key string) error {
	if err := r.c.Del(ctx, r.keys(key)[0]).Err(); err != nil {
		return fmt.Errorf("redis reset: %w", err)
	}
	return nil
}

func (r *RedisBackend) run(ctx context.Context, s *redis.Script, key string, args ...any) (State, error) {
	v, err := s.Run(ctx, r.c, r.keys(key), args...).Int64Slice()
	if err != nil {
		return State{}, fmt.Errorf("redis: %w", err)
	}
	if len(v) != 2 {
		return State{}, fmt.Errorf("redis: script returned %d values, want 2", len(v))
	}
	return State{Failures: v[0], Locked: time.Duration(v[1]) * time.Millisecond}, nil
}

// ms is d in whole milliseconds, at least 1 (PEXPIRE and PX refuse 0).
func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }
