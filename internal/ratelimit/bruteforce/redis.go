package bruteforce

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The scripts share one prelude. KEYS[1] is the failure counter, KEYS[2]
// the lock, KEYS[3] the sorted set of reservations (member: attempt id,
// score: when the hold ends, in ms of the Redis clock). ARGV[1..4] are the
// window ms, max failures, lockout ms and hold ms.
//
// fail() counts one failure: the counter gets its expiry with its first
// failure (or if it somehow lost it); reaching the maximum sets the lock and
// starts the count over. expire() counts every reservation past its hold as
// a failure. state() is {failures, in flight, lock ttl ms}.
const scriptPrelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[2])
local function fail()
  local n = redis.call('INCR', KEYS[1])
  if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
  end
  if max > 0 and n >= max then
    if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
      redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
    end
    redis.call('DEL', KEYS[1])
  end
  return n
end
local function expire()
  local dead = redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  for i = 1, dead do fail() end
end
local function state()
  local l = redis.call('PTTL', KEYS[2])
  if l < 0 then l = 0 end
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('ZCARD', KEYS[3]), l}
end
`

// reserveScript takes a slot for ARGV[5] unless the subject is locked or its
// failures plus reservations reach the maximum. Returns {ok, state...}.
var reserveScript = redis.NewScript(scriptPrelude + `
expire()
local s = state()
if s[3] > 0 or (max > 0 and s[1] + s[2] >= max) then
  return {0, s[1], s[2], s[3]}
end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[5])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]) + tonumber(ARGV[1]))
return {1, s[1], s[2] + 1, s[3]}
`)

// settleScript ends reservation ARGV[5]; ARGV[6] "1" counts it as a
// failure, unless it already expired (and was counted then). Returns
// {1, state...} with the count the failure reached.
var settleScript = redis.NewScript(scriptPrelude + `
expire()
local n = 0
if redis.call('ZREM', KEYS[3], ARGV[5]) == 1 and ARGV[6] == '1' then
  n = fail()
end
local s = state()
if n > s[1] then s[1] = n end
return {1, s[1], s[2], s[3]}
`)

// RedisBackend is a Backend shared by every node through Redis. Expiry runs
// on the Redis server's clock, so nodes' clocks do not matter. A reservation
// past its hold is counted as a failure the next time its subject is
// reserved or settled (its key outlives the hold by a window).
type RedisBackend struct {
	c      redis.UniversalClient
	prefix string
}

var _ Backend = (*RedisBackend)(nil)

// NewRedisBackend returns a backend keeping its keys under prefix (e.g.
// "bulwark:bf:"). Each subject has three keys, "{key}:n", "{key}:lock" and
// "{key}:held", in one cluster slot.
func NewRedisBackend(client redis.UniversalClient, prefix string) *RedisBackend {
	return &RedisBackend{c: client, prefix: prefix}
}

func (r *RedisBackend) keys(key string) []string {
	base := r.prefix + "{" + key + "}"
	return []string{base + ":n", base + ":lock", base + ":held"}
}

// Reserve implements Backend.
func (r *RedisBackend) Reserve(ctx context.Context, key, id string, p Policy, _ time.Time) (State, bool, error) {
	return r.run(ctx, reserveScript, key, ms(p.Window), p.MaxFailures, ms(p.Lockout), ms(p.Hold), id)
}

// Settle implements Backend.
func (r *RedisBackend) Settle(ctx context.Context, key, id string, failed bool, p Policy, _ time.Time) (State, error) {
	f := "0"
	if failed {
		f = "1"
	}
	s, _, err := r.run(ctx, settleScript, key, ms(p.Window), p.MaxFailures, ms(p.Lockout), ms(p.Hold), id, f)
	return s, err
}

// Reset implements Backend.
func (r *RedisBackend) Reset(ctx context.Context, key string) error {
	if err := r.c.Del(ctx, r.keys(key)[0]).Err(); err != nil {
		return fmt.Errorf("redis reset: %w", err)
	}
	return nil
}

func (r *RedisBackend) run(ctx context.Context, s *redis.Script, key string, args ...any) (State, bool, error) {
	v, err := s.Run(ctx, r.c, r.keys(key), args...).Int64Slice()
	if err != nil {
		return State{}, false, fmt.Errorf("redis: %w", err)
	}
	if len(v) != 4 {
		return State{}, false, fmt.Errorf("redis: script returned %d values, want 4", len(v))
	}
	return State{Failures: v[1], InFlight: v[2], Locked: time.Duration(v[3]) * time.Millisecond}, v[0] == 1, nil
}

// ms is d in whole milliseconds, at least 1 (PEXPIRE and PX refuse 0).
func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }
