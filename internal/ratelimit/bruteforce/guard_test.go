package bruteforce

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"slices"
	"strconv"
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
	keys func(t testing.TB) []string // every key the backend holds
}

func memoryEnv(testing.TB) env {
	m := NewMemoryBackend()
	return env{b: m, clk: &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, keys: func(testing.TB) []string {
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
func redisEnvFor(t testing.TB) env {
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
	scan := func(t testing.TB) []string {
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
	return Config{MaxFailures: 3, IPMaxFailures: 3, Window: 10 * time.Minute, Lockout: 15 * time.Minute,
		Hold: time.Minute, DelayAfter: 1, IPDelayAfter: 1, BaseDelay: time.Second, MaxDelay: 4 * time.Second, Secret: secret}
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
	ip1    = "192.0.2.1"
	ip2    = "192.0.2.2"
	bgctx  = context.Background()
	guards = []struct {
		name string
		env  func(t testing.TB) env
	}{{"memory", memoryEnv}, {"redis", redisEnvFor}}
)

func at(ip, user string) Login { return Login{IP: ip, Username: user} }

// begin starts an attempt that must be admitted.
func begin(t *testing.T, g *Guard, l Login) *Attempt {
	t.Helper()
	a, v, err := g.Begin(bgctx, l)
	if err != nil || a == nil {
		t.Fatalf("Begin(%+v) = %v, %+v, %v; want admitted", l, a, v, err)
	}
	return a
}

func settle(t *testing.T, a *Attempt, o Outcome) {
	t.Helper()
	if err := a.Settle(bgctx, o); err != nil {
		t.Fatalf("Settle: %v", err)
	}
}

func fail(t *testing.T, g *Guard, n int, l Login) {
	t.Helper()
	for range n {
		settle(t, begin(t, g, l), Failed)
	}
}

// check is the verdict an attempt gets now; an admitted one is released.
func check(t *testing.T, g *Guard, l Login) Verdict {
	t.Helper()
	a, v, err := g.Begin(bgctx, l)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if (a == nil) != (v.Locked || v.Busy) {
		t.Fatalf("Begin = %v, %+v: an attempt exactly when not refused", a, v)
	}
	settle(t, a, Released)
	return v
}

// TestBackends runs every case against every backend: one conformance suite.
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
		{"HashedKeys", testHashedKeys},
		{"InvalidSubjects", testInvalidSubjects},
		{"InFlightCount", testInFlightCount},
		{"ParallelAttemptsCapped", testParallelCapped},
		{"OutcomesSettle", testOutcomes},
		{"HoldExpiryCountsAsFailure", testHoldExpiry},
		{"IPThresholdSeparate", testIPThreshold},
		{"IPOff", testIPOff},
		{"RefusedAttemptsHoldNothing", testRefusedHoldNothing},
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
	fail(t, g, 2, at(ip1, "alice"))
	if v := check(t, g, at(ip1, "alice")); v.Locked || v.Busy {
		t.Fatalf("refused after 2 failures: %+v", v)
	}
	fail(t, g, 1, at(ip1, "alice"))
	v := check(t, g, at(ip1, "alice"))
	if !v.Locked || v.RetryAfter <= 15*time.Minute-5*time.Second || v.RetryAfter > 15*time.Minute {
		t.Errorf("after 3 failures: %+v; want locked for about 15m", v)
	}
}

func testProgressiveDelay(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.MaxFailures, cfg.IPMaxFailures, cfg.DelayAfter = 0, 0, 2
	g := e.guard(t, cfg)
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for failures, d := range want {
		if v := check(t, g, at("", "alice")); v.Locked || v.Delay != d || (d > 0 && v.Kind != KindUsername) {
			t.Errorf("after %d failures: %+v; want delay %s", failures, v, d)
		}
		fail(t, g, 1, at("", "alice"))
	}
	fail(t, g, 50, at("", "alice"))
	if v := check(t, g, at("", "alice")); v.Delay != 4*time.Second || v.Locked {
		t.Errorf("after 57 failures without lockout: %+v; want the 4s cap", v)
	}
}

func testLockExpires(t *testing.T, e env) {
	if e.clk == nil {
		t.Skip("needs a clock the test can move")
	}
	g := e.guard(t, baseConfig())
	fail(t, g, 3, at("", "alice"))
	e.clk.Advance(15*time.Minute - time.Nanosecond)
	if v := check(t, g, at("", "alice")); !v.Locked || v.RetryAfter != time.Nanosecond {
		t.Errorf("just before the lock ends: %+v", v)
	}
	e.clk.Advance(time.Nanosecond)
	if v := check(t, g, at("", "alice")); v != (Verdict{}) {
		t.Errorf("once the lock ends: %+v; want free, count started over", v)
	}
	fail(t, g, 2, at("", "alice"))
	if v := check(t, g, at("", "alice")); v.Locked || v.Delay != time.Second {
		t.Errorf("2 failures after the lock: %+v; want a 1s delay", v)
	}
}

func testWindowExpires(t *testing.T, e env) {
	if e.clk == nil {
		t.Skip("needs a clock the test can move")
	}
	g := e.guard(t, baseConfig())
	fail(t, g, 2, at("", "alice"))
	e.clk.Advance(10 * time.Minute)
	fail(t, g, 2, at("", "alice"))
	if v := check(t, g, at("", "alice")); v.Locked || v.Delay != time.Second {
		t.Errorf("2+2 failures in two windows: %+v; want not locked, a 1s delay", v)
	}
}

func testSuccessReset(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 2, at(ip1, "alice"))
	settle(t, begin(t, g, at(ip1, "alice")), Succeeded)
	if v := check(t, g, at("", "alice")); v.Delay != 0 {
		t.Errorf("username after a success: %+v; want reset", v)
	}
	if v := check(t, g, at(ip1, "")); v.Delay != time.Second {
		t.Errorf("IP after a success: %+v; want its 2 failures kept", v)
	}
	fail(t, g, 1, at(ip1, "bob"))
	if v := check(t, g, at(ip1, "alice")); !v.Locked || v.Kind != KindIP {
		t.Errorf("IP's third failure: %+v; want the IP locked despite the success", v)
	}
}

func testIndependent(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 3, at(ip1, "alice"))
	cases := []struct {
		name   string
		login  Login
		locked bool
	}{
		{"other IP, other user", at(ip2, "bob"), false},
		{"other IP, locked user", at(ip2, "alice"), true},
		{"locked IP, other user", at(ip1, "bob"), true},
		{"user alone", at("", "alice"), true},
	}
	for _, c := range cases {
		if v := check(t, g, c.login); v.Locked != c.locked {
			t.Errorf("%s: %+v; want locked %v", c.name, v, c.locked)
		}
	}
}

func testHashedKeys(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 1, at(ip1, "alice.secret@example.com"))
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
	want, _ := g.Key(Subject{KindUsername, "alice"})
	if !strings.HasPrefix(want, "username:") || len(want) != len("username:")+32 {
		t.Errorf("Key(alice) = %q; want username: and 32 hex digits", want)
	}
	if ipKey, _ := g.Key(Subject{KindIP, "alice"}); ipKey[len("ip:"):] == want[len("username:"):] {
		t.Error("an IP and a username with one value share a hash")
	}
	other, _ := New(e.b, Config{Window: time.Minute, Hold: time.Minute, Secret: []byte("another secret, another hash!")})
	if k2, _ := other.Key(Subject{KindUsername, "alice"}); k2 == want {
		t.Error("two secrets give the same key")
	}
}

func testInvalidSubjects(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	for _, s := range []Subject{{"email", "a@b"}, {KindUsername, ""}, {KindIP, ""}} {
		if _, err := g.Key(s); !errors.Is(err, ErrSubject) {
			t.Errorf("Key(%+v) = %v; want ErrSubject", s, err)
		}
	}
	if _, _, err := g.Begin(bgctx, Login{}); !errors.Is(err, ErrSubject) {
		t.Errorf("Begin of an empty login = %v; want ErrSubject", err)
	}
	if g.Counted(Login{}) || !g.Counted(at(ip1, "")) || !g.Counted(at("", "alice")) {
		t.Error("Counted disagrees with the subjects")
	}
}

// testInFlightCount: attempts in flight use up the budget; settling frees it.
func testInFlightCount(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	fail(t, g, 1, at("", "alice"))
	a1, a2 := begin(t, g, at("", "alice")), begin(t, g, at("", "alice"))
	if v := check(t, g, at("", "alice")); !v.Busy || v.Locked || v.Kind != KindUsername {
		t.Fatalf("1 failure + 2 in flight of 3: %+v; want busy", v)
	}
	settle(t, a1, Released)
	a3 := begin(t, g, at("", "alice"))
	settle(t, a2, Failed)
	settle(t, a3, Failed)
	if v := check(t, g, at("", "alice")); !v.Locked {
		t.Fatalf("3 failures: %+v; want locked", v)
	}
	settle(t, a3, Failed) // a second settle counts nothing
}

// testParallelCapped: of many concurrent attempts at most MaxFailures are
// admitted, however the scheduler interleaves them.
func testParallelCapped(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.MaxFailures, cfg.IPMaxFailures = 5, 0
	g := e.guard(t, cfg)
	var mu sync.Mutex
	var admitted []*Attempt
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			a, v, err := g.Begin(bgctx, at(ip1, "alice"))
			if err != nil {
				t.Error(err)
			}
			if a != nil {
				mu.Lock()
				admitted = append(admitted, a)
				mu.Unlock()
			} else if !v.Busy {
				t.Errorf("refused attempt: %+v; want busy", v)
			}
		})
	}
	wg.Wait()
	if len(admitted) != 5 {
		t.Fatalf("%d of 40 parallel attempts admitted; want exactly 5", len(admitted))
	}
	for _, a := range admitted {
		settle(t, a, Failed)
	}
	if v := check(t, g, at(ip1, "alice")); !v.Locked {
		t.Errorf("after 5 failures: %+v; want locked", v)
	}
}

func testOutcomes(t *testing.T, e env) {
	g := e.guard(t, baseConfig())
	for _, c := range []struct {
		o      Outcome
		counts bool
	}{{Released, false}, {Succeeded, false}, {Unknown, true}, {Failed, true}} {
		user := "user-" + strconv.Itoa(int(c.o))
		fail(t, g, 1, at("", user))
		settle(t, begin(t, g, at("", user)), c.o)
		if v := check(t, g, at("", user)); (v.Delay > 0) != c.counts {
			t.Errorf("outcome %d: %+v; counted %v, want %v", c.o, v, v.Delay > 0, c.counts)
		}
	}
}

// testHoldExpiry: a reservation never settled counts as a failure once its
// hold ends; settling it late counts nothing more.
func testHoldExpiry(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.BaseDelay, cfg.Hold = 0, time.Minute
	advance := func() { e.clk.Advance(time.Minute) }
	if e.clk == nil { // Redis runs on its own clock: a hold of 1ms, then wait
		cfg.Hold = time.Millisecond
		advance = func() { time.Sleep(20 * time.Millisecond) }
	}
	g := e.guard(t, cfg)
	lost := make([]*Attempt, 3)
	for i := range lost {
		lost[i] = begin(t, g, at("", "alice"))
	}
	advance()
	if v := check(t, g, at("", "alice")); !v.Locked {
		t.Fatalf("3 reservations past their hold: %+v; want counted as failures, locked", v)
	}
	for _, a := range lost {
		settle(t, a, Failed)
	}
	if v := check(t, g, at("", "alice")); !v.Locked {
		t.Fatalf("late settles: %+v", v)
	}
}

// testIPThreshold: one user's failures lock that user, not the others behind
// the same address; a spray over many users locks the address.
func testIPThreshold(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.IPMaxFailures = 10
	g := e.guard(t, cfg)
	fail(t, g, 3, at(ip1, "alice"))
	if v := check(t, g, at(ip1, "alice")); !v.Locked || v.Kind != KindUsername {
		t.Fatalf("alice after 3 failures: %+v", v)
	}
	if v := check(t, g, at(ip1, "bob")); v.Locked || v.Busy {
		t.Fatalf("bob from alice's address: %+v; want admitted", v)
	}
	for i := range 7 {
		fail(t, g, 1, at(ip1, "user"+strconv.Itoa(i)))
	}
	if v := check(t, g, at(ip1, "bob")); !v.Locked || v.Kind != KindIP {
		t.Fatalf("after 10 failures from one address: %+v; want the IP locked", v)
	}
	if v := check(t, g, at(ip2, "bob")); v.Locked {
		t.Fatalf("bob elsewhere: %+v", v)
	}
}

// testRefusedHoldNothing: attempts refused at one account take no slot of
// the address, so a flood at alice leaves bob's room behind the same NAT.
func testRefusedHoldNothing(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.MaxFailures, cfg.IPMaxFailures = 2, 6
	g := e.guard(t, cfg)
	held := []*Attempt{begin(t, g, at(ip1, "alice")), begin(t, g, at(ip1, "alice"))}
	for range 20 {
		if v := check(t, g, at(ip1, "alice")); !v.Busy || v.Kind != KindUsername {
			t.Fatalf("alice's third attempt in flight: %+v; want busy on the username", v)
		}
	}
	for i := range 4 {
		held = append(held, begin(t, g, at(ip1, "user"+strconv.Itoa(i))))
	}
	if v := check(t, g, at(ip1, "bob")); !v.Busy || v.Kind != KindIP {
		t.Fatalf("seventh attempt from the address: %+v; want busy on the IP", v)
	}
	for _, a := range held {
		settle(t, a, Released)
	}
	if v := check(t, g, at(ip1, "bob")); v.Busy || v.Locked {
		t.Fatalf("after every slot is released: %+v", v)
	}
}

func testIPOff(t *testing.T, e env) {
	cfg := baseConfig()
	cfg.IPMaxFailures = 0
	g := e.guard(t, cfg)
	for i := range 10 {
		fail(t, g, 1, at(ip1, "user"+strconv.Itoa(i)))
	}
	if v := check(t, g, at(ip1, "bob")); v != (Verdict{}) {
		t.Fatalf("IP not counted: %+v", v)
	}
	if g.Counted(at(ip1, "")) {
		t.Error("an IP alone is counted with the IP off")
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
		{"negative IP failures", func(c *Config) { c.IPMaxFailures = -1 }},
		{"no hold", func(c *Config) { c.Hold = 0 }},
		{"hold within the delay", func(c *Config) { c.Hold = c.MaxDelay }},
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
	pol := Policy{Window: time.Minute, Hold: time.Second}
	failKey := func(k string) error {
		if _, _, err := m.Reserve(bgctx, k, "id", pol, clk.Now()); err != nil {
			return err
		}
		_, err := m.Settle(bgctx, k, "id", true, pol, clk.Now())
		return err
	}
	for _, k := range []string{"a", "b"} {
		if err := failKey(k); err != nil {
			t.Fatal(err)
		}
	}
	if err := failKey("c"); !errors.Is(err, ErrFull) {
		t.Errorf("third subject = %v, want ErrFull", err)
	}
	if err := failKey("a"); err != nil {
		t.Errorf("known subject when full: %v", err)
	}
	clk.Advance(time.Minute)
	if err := failKey("c"); err != nil {
		t.Errorf("after the entries expired: %v", err)
	}
	if got := slices.Sorted(maps.Keys(m.entries)); !slices.Equal(got, []string{"c"}) {
		t.Errorf("entries %v, want only c", got)
	}
}

// TestRedisExpiry checks the expiries Redis enforces on its own clock: the
// counter lives for the window from the first failure, the lock for Lockout,
// the reservations for the hold plus a window.
func TestRedisExpiry(t *testing.T) {
	e := redisEnvFor(t)
	rb := e.b.(*RedisBackend)
	g := e.guard(t, baseConfig())
	fail(t, g, 2, at("", "alice"))
	key, _ := g.Key(Subject{KindUsername, "alice"})
	k := rb.keys(key)
	if ttl := rb.c.PTTL(bgctx, k[0]).Val(); ttl <= 10*time.Minute-5*time.Second || ttl > 10*time.Minute {
		t.Errorf("counter TTL %s, want about the 10m window", ttl)
	}
	a := begin(t, g, at("", "alice"))
	if ttl := rb.c.PTTL(bgctx, k[2]).Val(); ttl <= 11*time.Minute-5*time.Second || ttl > 11*time.Minute {
		t.Errorf("reservations TTL %s, want about the 1m hold + 10m window", ttl)
	}
	settle(t, a, Failed)
	if ttl := rb.c.PTTL(bgctx, k[1]).Val(); ttl <= 15*time.Minute-5*time.Second || ttl > 15*time.Minute {
		t.Errorf("lock TTL %s, want about the 15m lockout", ttl)
	}
	if n := rb.c.Exists(bgctx, k[0]).Val(); n != 0 {
		t.Error("counter kept after the lock: the count should start over")
	}
}
