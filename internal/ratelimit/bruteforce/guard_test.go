package bruteforce

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const redisEnv = "BULWARK_TEST_REDIS_URL"

var secret = []byte("0123456789abcdef0123456789abcdef")

// clock is a fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one backend under test: the memory backend on a fake clock, or
// Redis on its server clock (clk nil: cases that need to move time skip).
type env struct {
	b    Backend
	clk  *clock
	keys func(t *testing.T) []string // every key the backend holds
}

func memoryEnv(*testing.T) env {
	m := NewMemoryBackend()
	return env{b: m, clk: &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, keys: func(*testing.T) []string {
		m.mu.Lock()
		defer m.mu.Unlock()
		var out []string
		for k := range m.entries {
			out = append(out, k)
		}
		return out
	}}
}

// redisEnvFor returns a Redis backend under a prefix of its own, whose keys are
// deleted when t ends, or skips t when no Redis is configured.
func redisEnvFor(t *testing.T) env {
	url := os.Getenv(redisEnv)
	if url == "" {
		t.Skipf("%s not set; skipping Redis (e.g. redis://127.0.0.1:6379/0)", redisEnv)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", redisEnv, err)
	}
	c := redis.NewClient(opt)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "bulwark-test:bf:" + hex.EncodeToString(b) + ":"
	scan := func(t *testing.T) []string {
		var keys []string
		iter := c.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
		for iter.Next(context.Background()) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("scan %s*: %v", prefix, err)
		}
		return keys
	}
	t.Cleanup(func() {
		for _, k := range scan(t) {
			c.Del(context.Background(), k)
		}
		_ = c.Close()
	})
	return env{b: NewRedisBackend(c, prefix), keys: scan}
}

func baseConfig() Config {
	return Config{MaxFailures: 3, Window: 10 * time.Minute, Lockout: 15 * time.Minute,
		DelayAfter: 1, BaseDelay: time.Second, MaxDelay: 4 * time.Second, Secret: secret}
}

func (e env) guard(t *testing.T, cfg Config) *Guard {
	t.Helper()
	if e.clk != nil {
		cfg.Now = e.clk.Now
	}
	g, err := New(e.b, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

var (
	ip1    = Subject{KindIP, "192.0.2.1"}
	ip2    = Subject{KindIP, "192.0.2.2"}
	alice  = Subject{KindUsername, "alice"}
	bob    = Subject{KindUsername, "bob"}
	bgctx  = context.Background()
	guards = []struct {
		name string
		env  func(t *testing.T) env
	}{{"memory", memoryEnv}, {"redis", redisEnvFor}}
)

func fail(t *testing.T, g *Guard, n int, subjects ...Subject) {
	t.Helper()
	for range n {
		if err := g.Record(bgctx, subjects, true); err != nil {
			t.Fatalf("Record(failure): %v", err)
		}
	}
}

func check(t *testing.T, g *Guard, subjects ...Subject) Verdict {
	t.Helper()
	v, err := g.Check(bgctx, subjects)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return v
}

// TestBackends runs every case against every backend.
func TestBackends(t *testing.T) {
	cases := []struct {
		name string
		fn   func(t *testing.T, e env)
	}{
		{"Lockout", testLockout},
		{"ProgressiveDelay", testProgressiveDelay},
		{"LockExpires", testLockExpires},
		{"WindowExpires", testWindowExpires},
		{"SuccessResetsUsernameOnly", testSuccessReset},
		{"Independent", testIndependent},
		{"Normalized", testNormalized},
		{"HashedKeys", testHashedKeys},
		{"InvalidSubjects", testInvalidSubjects},
	}
	for _, b := range guards {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "redis" {
				redisEnvFor(t) // skip once, early, without Redis
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.fn(t, b.env(t)) })
			}
		})
	}
}

func testLockout(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 2, ip1, alice)
	if v := check(t, g, ip1, alice); v.Locked {
		t.Fatalf("locked after 2 failures: %+v", v)
	}
	fail(t, g, 1, ip1, alice)
	v := check(t, g, ip1, alice)
	if !v.Locked || v.RetryAfter <= 15*time.Minute-5*time.Second || v.RetryAfter > 15*time.Minute {
		t.Errorf("after 3 failures: %+v; want locked for about 15m", v)
	}
}

func testProgressiveDelay(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.MaxFailures, cfg.DelayAfter = 0, 2
	g := e.guard(t, cfg)
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for failures, d := range want {
		if v := check(t, g, alice); v.Locked || v.Delay != d || (d > 0 && v.Kind != KindUsername) {
			t.Errorf("after %d failures: %+v; want delay %s", failures, v, d)
		}
		fail(t, g, 1, alice)
	}
	fail(t, g, 100, alice)
	if v := check(t, g, alice); v.Delay != 4*time.Second || v.Locked {
		t.Errorf("after 107 failures without lockout: %+v; want the 4s cap", v)
	}
}

func testLockExpires(t *testing.T, e env) {
	if e.clk == nil {
		t.Skip("needs a clock the test can move")
	}
	g := e.guard(t, baseConfig())
	fail(t, g, 3, alice)
	e.clk.Advance(15*time.Minute - time.Nanosecond)
	if v := check(t, g, alice); !v.Locked || v.RetryAfter != time.Nanosecond {
		t.Errorf("just before the lock ends: %+v", v)
	}
	e.clk.Advance(time.Nanosecond)
	if v := check(t, g, alice); v != (Verdict{}) {
		t.Errorf("once the lock ends: %+v; want free, count started over", v)
	}
	fail(t, g, 2, alice)
	if v := check(t, g, alice); v.Locked || v.Delay != time.Second {
		t.Errorf("2 failures after the lock: %+v; want a 1s delay", v)
	}
}

func testWindowExpires(t *testing.T, e env) {
	if e.clk == nil {
		t.Skip("needs a clock the test can move")
	}
	g := e.guard(t, baseConfig())
	fail(t, g, 2, alice)
	e.clk.Advance(10 * time.Minute)
	fail(t, g, 2, alice)
	if v := check(t, g, alice); v.Locked || v.Delay != time.Second {
		t.Errorf("2+2 failures in two windows: %+v; want not locked, a 1s delay", v)
	}
}

func testSuccessReset(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 2, ip1, alice)
	if err := g.Record(bgctx, []Subject{ip1, alice}, false); err != nil {
		t.Fatal(err)
	}
	if v := check(t, g, alice); v.Delay != 0 {
		t.Errorf("username after a success: %+v; want reset", v)
	}
	if v := check(t, g, ip1); v.Delay != time.Second {
		t.Errorf("IP after a success: %+v; want its 2 failures kept", v)
	}
	fail(t, g, 1, ip1, bob)
	if v := check(t, g, ip1, alice); !v.Locked || v.Kind != KindIP {
		t.Errorf("IP's third failure: %+v; want the IP locked despite the success", v)
	}
}

func testIndependent(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 3, ip1, alice)
	cases := []struct {
		name     string
		subjects []Subject
		locked   bool
	}{
		{"other IP, other user", []Subject{ip2, bob}, false},
		{"other IP, locked user", []Subject{ip2, alice}, true},
		{"locked IP, other user", []Subject{ip1, bob}, true},
		{"user alone", []Subject{alice}, true},
		{"nothing", nil, false},
	}
	for _, c := range cases {
		if v := check(t, g, c.subjects...); v.Locked != c.locked {
			t.Errorf("%s: %+v; want locked %v", c.name, v, c.locked)
		}
	}
}

func testNormalized(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 1, Subject{KindUsername, "Alice"})
	fail(t, g, 1, Subject{KindUsername, " ALICE\t"})
	fail(t, g, 1, alice)
	if v := check(t, g, alice); !v.Locked {
		t.Errorf("case and space variants counted apart: %+v", v)
	}
}

func testHashedKeys(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 1, ip1, Subject{KindUsername, "Alice.Secret@example.com"})
	keys := e.keys(t)
	if len(keys) != 2 {
		t.Errorf("backend holds %v; want one key per subject", keys)
	}
	for _, k := range keys {
		low := strings.ToLower(k)
		if strings.Contains(low, "alice") || strings.Contains(low, "example") || strings.Contains(k, "192.0.2") {
			t.Errorf("key %q holds a username or IP in clear", k)
		}
	}
	want, _ := g.Key(alice)
	if !strings.HasPrefix(want, "username:") || len(want) != len("username:")+32 {
		t.Errorf("Key(alice) = %q; want username: and 32 hex digits", want)
	}
	other, _ := New(e.b, Config{Window: time.Minute, Secret: []byte("another secret, another hash!")})
	if k2, _ := other.Key(alice); k2 == want {
		t.Error("two secrets give the same key")
	}
}

func testInvalidSubjects(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	for _, s := range []Subject{{"email", "a@b"}, {KindUsername, ""}, {KindIP, "  "}} {
		if _, err := g.Check(bgctx, []Subject{ip1, s}); !errors.Is(err, ErrSubject) {
			t.Errorf("Check(%+v) = %v; want ErrSubject", s, err)
		}
		if err := g.Record(bgctx, []Subject{s}, true); !errors.Is(err, ErrSubject) {
			t.Errorf("Record(%+v) = %v; want ErrSubject", s, err)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct {
		name string
		edit func(c *Config)
	}{
		{"short secret", func(c *Config) { c.Secret = []byte("short") }},
		{"no window", func(c *Config) { c.Window = 0 }},
		{"no lockout", func(c *Config) { c.Lockout = 0 }},
		{"negative failures", func(c *Config) { c.MaxFailures = -1 }},
		{"negative delay after", func(c *Config) { c.DelayAfter = -1 }},
		{"max below base", func(c *Config) { c.MaxDelay = time.Millisecond }},
	}
	for _, c := range cases {
		cfg := baseConfig()
		c.edit(&cfg)
		if _, err := New(NewMemoryBackend(), cfg); err == nil {
			t.Errorf("%s: New succeeded", c.name)
		}
	}
	if _, err := New(nil, baseConfig()); err == nil {
		t.Error("nil backend: New succeeded")
	}
}

// TestMemoryFull: a full memory backend refuses new subjects (the guard then
// fails closed) until a sweep finds expired ones.
func TestMemoryFull(t *testing.T) {
	m := NewMemoryBackend()
	m.max = 2
	clk := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	pol := Policy{Window: time.Minute}
	for _, k := range []string{"a", "b"} {
		if _, err := m.Fail(bgctx, k, pol, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Fail(bgctx, "c", pol, clk.Now()); !errors.Is(err, ErrFull) {
		t.Errorf("third subject = %v, want ErrFull", err)
	}
	if _, err := m.Fail(bgctx, "a", pol, clk.Now()); err != nil {
		t.Errorf("known subject when full: %v", err)
	}
	clk.Advance(time.Minute)
	if _, err := m.Fail(bgctx, "c", pol, clk.Now()); err != nil {
		t.Errorf("after the entries expired: %v", err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range m.entries {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"c"}) {
		t.Errorf("entries %v, want only c", got)
	}
}

// TestRedisExpiry checks the expiries Redis enforces on its own clock: the
// counter lives for the window from the first failure, the lock for Lockout.
func TestRedisExpiry(t *testing.T) {
	e := redisEnvFor(t)
	rb := e.b.(*RedisBackend)
	g := e.guard(t, baseConfig())
	fail(t, g, 2, alice)
	key, _ := g.Key(alice)
	counter, lock := rb.keys(key)[0], rb.keys(key)[1]
	if ttl := rb.c.PTTL(bgctx, counter).Val(); ttl <= 10*time.Minute-5*time.Second || ttl > 10*time.Minute {
		t.Errorf("counter TTL %s, want about the 10m window", ttl)
	}
	fail(t, g, 1, alice)
	if ttl := rb.c.PTTL(bgctx, lock).Val(); ttl <= 15*time.Minute-5*time.Second || ttl > 15*time.Minute {
		t.Errorf("lock TTL %s, want about the 15m lockout", ttl)
	}
	if n := rb.c.Exists(bgctx, counter).Val(); n != 0 {
		t.Error("counter kept after the lock: the count should start over")
	}
}
