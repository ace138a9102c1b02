package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/ratelimittest"
)

// testRedis returns a client on BULWARK_TEST_REDIS_URL and a random key
// prefix whose keys are deleted when t ends, or skips t.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("BULWARK_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BULWARK_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/0): skipping Redis test")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("BULWARK_TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	prefix := randomPrefix(t)
	t.Cleanup(func() {
		deletePrefix(t, c, prefix)
		_ = c.Close()
	})
	return c, prefix
}

func randomPrefix(t testing.TB) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "bulwark-test:" + hex.EncodeToString(b) + ":"
}

// deletePrefix deletes the keys under prefix (and only those).
func deletePrefix(t testing.TB, c *redis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("cleanup scan %s*: %v", prefix, err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
			t.Logf("cleanup del: %v", err)
		}
		keys = keys[n:]
	}
}

func TestRedisConformance(t *testing.T) {
	c, prefix := testRedis(t)
	n := 0
	ratelimittest.Run(t, func(t *testing.T, _ func() time.Time) ratelimit.Limiter {
		n++ // each case its own key space under the test's prefix
		return ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix + strconv.Itoa(n) + ":"})
	}, ratelimittest.ServerClock())
}

func TestRedisKeysExpire(t *testing.T) {
	c, prefix := testRedis(t)
	r := ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix})
	ctx := context.Background()
	for _, l := range []ratelimit.Limit{
		{Rate: 60, Per: time.Hour, Burst: 5},
		{Rate: 60, Per: time.Hour, Algorithm: ratelimit.SlidingWindow},
	} {
		if _, err := r.Allow(ctx, "k", l, 2); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{prefix + "g:k", prefix + "w:k"} {
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > 2*time.Hour {
			t.Errorf("PTTL %s = %s, %v; want a positive TTL of at most 2h", k, ttl, err)
		}
	}
}

// TestRedisTwoNodes hammers one key from two limiters on separate clients
// (two gateway nodes) and checks the total against what the limit allows
// over the elapsed time on the Redis clock: burst + elapsed*rate, at most 1% (+1)
// above it and at most 5% below.
func TestRedisTwoNodes(t *testing.T) {
	c, prefix := testRedis(t)
	opts := *c.Options()
	other := redis.NewClient(&opts)
	t.Cleanup(func() { _ = other.Close() })
	l := ratelimit.Limit{Rate: 6000, Per: time.Minute, Burst: 20} // 100/s
	const attempts = 15000                                        // per goroutine; 8 goroutines: seconds, well under a minute
	nodes := []*ratelimit.Redis{
		ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix}),
		ratelimit.NewRedis(other, ratelimit.RedisConfig{Prefix: prefix}),
	}
	ctx := context.Background()
	start := c.Time(ctx).Val()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for _, node := range nodes {
		for range 4 {
			wg.Go(func() {
				for range attempts {
					d, err := node.Allow(ctx, "shared", l, 1)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := c.Time(ctx).Val().Sub(start)
	interval := l.Per / time.Duration(l.Rate)
	want := float64(l.Burst) + float64(elapsed)/float64(interval)
	got := float64(allowed.Load())
	t.Logf("allowed %v of %d in %s (Redis clock); expected %.1f", got, 8*attempts, elapsed, want)
	// Over-admission is the failure that matters (two nodes drifting apart
	// would let more through): at most 1 % + 1 above the limit. Below it, a
	// pause of every goroutine on a loaded machine (longer than the burst
	// lasts, 200 ms) lets allowance lapse that no node could have used, and
	// the clock reads bracket some idle time: 5 % is allowed there.
	if diff := got - want; diff > want/100+1 {
		t.Fatalf("allowed %v, expected at most %.1f +1%%+1: the nodes together let more through than the limit", got, want)
	}
	if got < want*0.95 {
		t.Fatalf("allowed %v, expected %.1f -5%%", got, want)
	}
}

// TestRedisLocalBatch checks batching never over-admits and under-admits by
// at most LocalBatch-1 per node.
func TestRedisLocalBatch(t *testing.T) {
	c, prefix := testRedis(t)
	l := ratelimit.Limit{Rate: 60, Per: time.Hour, Burst: 50}
	const batch = 10
	nodes := []*ratelimit.Redis{
		ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix, LocalBatch: batch}),
		ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix, LocalBatch: batch}),
	}
	allowed := 0
	for i := range 200 {
		d, err := nodes[i%2].Allow(context.Background(), "k", l, 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed > 50 || allowed < 50-2*(batch-1) {
		t.Fatalf("allowed %d with batch %d on 2 nodes, want %d..50", allowed, batch, 50-2*(batch-1))
	}
}

func TestRedisUnreachable(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	r := ratelimit.NewRedis(c, ratelimit.RedisConfig{})
	d, err := r.Allow(context.Background(), "k", ratelimit.Limit{Rate: 1, Per: time.Second}, 1)
	if err == nil || d.Allowed {
		t.Fatalf("unreachable Redis: %+v, %v; want a denial with an error", d, err)
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	c, prefix := testRedis(b)
	r := ratelimit.NewRedis(c, ratelimit.RedisConfig{Prefix: prefix})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Allow(ctx, "bench", benchLimit, 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
