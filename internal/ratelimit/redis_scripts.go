package ratelimit

import "github.com/redis/go-redis/v9"

// The scripts work in microseconds on the Redis clock (TIME), as Lua
// numbers (doubles): Unix microseconds are exact integers in a double, a
// fractional emission interval is kept as a fraction. Both scripts take
// ARGV cost and want (want >= cost): when the request passes they reserve as
// many units as fit, between cost and want, for local batching; without
// batching want equals cost. Both return
// {allowed, granted, remaining, retry_us (-1: never), reset_us}, durations
// rounded up so a client never retries early.

// gcraScript mirrors gcra (gcra.go). KEYS[1]: the key; ARGV: interval_us,
// burst, cost, want. The TAT is stored as a string with 17 significant
// digits (Redis would otherwise round Lua numbers to 14) and expires when it
// passes, since an expired TAT equals an absent one.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local limit = burst * interval
local free = math.floor((now + limit - tat) / interval)
if free < 0 then free = 0 end
if cost > burst then
  return {0, 0, free, -1, math.ceil(tat - now)}
end
local allow_at = tat + cost * interval - limit
if now < allow_at then
  return {0, 0, free, math.ceil(allow_at - now), math.ceil(tat - now)}
end
local g = want
if g > free then g = free end
if g < cost then g = cost end
local new = tat + g * interval
if g > 0 then
  redis.call('SET', KEYS[1], string.format('%.17g', new), 'PX', math.ceil((new - now) / 1000))
end
local rem = math.floor((now + limit - new) / interval)
if rem < 0 then rem = 0 end
return {1, g, rem, 0, math.ceil(new - now)}
`)

// windowScript mirrors slide (window.go). KEYS[1]: a hash {i: window index,
// p: previous count, c: current count}; ARGV: per_us, rate, cost, want. The
// hash expires when both windows have passed.
var windowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local idx = math.floor(now / per)
local v = redis.call('HMGET', KEYS[1], 'i', 'p', 'c')
local sidx = tonumber(v[1]) or idx
local prev = tonumber(v[2]) or 0
local cur = tonumber(v[3]) or 0
if sidx == idx - 1 then
  prev = cur
  cur = 0
elseif sidx < idx - 1 then
  prev = 0
  cur = 0
elseif sidx > idx then
  idx = sidx
end
local elapsed = now - idx * per
if elapsed < 0 then elapsed = 0 end
local used = cur + math.ceil(prev * (per - elapsed) / per)
local function reset(c, p)
  if c > 0 then return 2 * per - elapsed end
  if p > 0 then return per - elapsed end
  return 0
end
if cost <= rate and used + cost <= rate then
  local g = want
  if g > rate - used then g = rate - used end
  if g < cost then g = cost end
  cur = cur + g
  if g > 0 then
    redis.call('HSET', KEYS[1], 'i', idx, 'p', prev, 'c', cur)
    redis.call('PEXPIRE', KEYS[1], math.ceil((2 * per - elapsed) / 1000))
  end
  return {1, g, rate - used - g, 0, reset(cur, prev)}
end
local free = rate - used
if free < 0 then free = 0 end
local retry
if cost > rate then
  retry = -1
elseif rate - cur - cost >= 0 then
  retry = per - math.floor((rate - cur - cost) * per / prev) - elapsed
else
  local at = 0
  if cur > rate - cost then at = per - math.floor((rate - cost) * per / cur) end
  retry = per - elapsed + at
end
return {0, 0, free, retry, reset(cur, prev)}
`)
