package oauthserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/outage"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// loginProtection is DefaultLoginProtection with other thresholds.
func loginProtection(user, ip int) func(*Options) {
	return func(o *Options) {
		o.Login = DefaultLoginProtection
		o.Login.MaxFailures, o.Login.IPMaxFailures = user, ip
	}
}

// signIn posts the apps page's login form as username with password.
func (h *harness) signIn(b *http.Client, csrf, username, password string) (*http.Response, string) {
	h.t.Helper()
	r := h.post(b, PathLogin, url.Values{"csrf": {csrf}, "next": {nextApps}, "username": {username}, "password": {password}})
	return r, body(h.t, r)
}

// loginForm opens the apps page signed out and returns the form's CSRF token.
func (h *harness) loginForm(b *http.Client) string {
	h.t.Helper()
	return field(h.t, csrfRe, body(h.t, h.get(b, h.ts.URL+PathApps)))
}

const wrongAnswer = "Wrong username or password"

// An unknown username and a wrong password get the same answer, and both
// count: the lockout says nothing about whether the account exists.
func TestLoginNoEnumeration(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), loginProtection(2, 0))
	b := h.browser()
	csrf := h.loginForm(b)
	for _, name := range []string{testUser, "nobody-here"} {
		for i := range 2 {
			r, p := h.signIn(b, csrf, name, "wrong")
			if r.StatusCode != http.StatusUnauthorized || !strings.Contains(p, wrongAnswer) {
				t.Fatalf("%s attempt %d: %d %q", name, i, r.StatusCode, p)
			}
		}
		r, p := h.signIn(b, csrf, name, testPassword)
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(p, "Too many failed sign-ins") {
			t.Fatalf("%s locked: %d %q %q", name, r.StatusCode, r.Header.Get("Retry-After"), p)
		}
	}
}

// The username is counted as the guard canonicalizes it: case and
// compatibility variants are one account, and a success forgets its failures.
func TestLoginCountsCanonicalUsername(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), loginProtection(3, 0))
	b := h.browser()
	csrf := h.loginForm(b)
	h.signIn(b, csrf, "ALICE", "wrong")
	h.signIn(b, csrf, "Ａlice", "wrong") // fullwidth A: NFKC makes it "alice"
	if r, _ := h.signIn(b, csrf, testUser, testPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("right password after 2 of 3 failures: %d", r.StatusCode)
	}
	for range 2 { // the success reset the count: two more failures do not lock
		h.signIn(b, csrf, "alice", "wrong")
	}
	if r, _ := h.signIn(b, csrf, testUser, testPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("success did not forget the failures: %d", r.StatusCode)
	}
	h.signIn(b, csrf, "Alice", "wrong")
	h.signIn(b, csrf, " alice ", "wrong")
	h.signIn(b, csrf, "alice", "wrong")
	if r, _ := h.signIn(b, csrf, testUser, testPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("three variants of one name did not lock it: %d", r.StatusCode)
	}
	// A name with a control character is never checked against the store.
	if r, _ := h.signIn(b, csrf, "alice\x00", testPassword); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("NUL in username: %d", r.StatusCode)
	}
}

// Failures over many usernames from one client IP lock the IP, for every
// username, including a right password for an account never guessed.
func TestLoginLocksClientIP(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), loginProtection(5, 3))
	b := h.browser()
	csrf := h.loginForm(b)
	for _, name := range []string{"bob", "carol", "dave"} {
		if r, _ := h.signIn(b, csrf, name, "guess"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: %d", name, r.StatusCode)
		}
	}
	if r, p := h.signIn(b, csrf, testUser, testPassword); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("IP not locked: %d %q", r.StatusCode, p)
	}
}

// When the guard's backend cannot answer, sign-in is refused with 503 and
// Retry-After (fail closed): a guess is never checked uncounted.
func TestLoginFailsClosedWhenGuardBackendFails(t *testing.T) {
	// A real Redis client on a port nobody listens on.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	h := newHarness(t, storetest.SQLiteDSN(t), func(o *Options) {
		o.LoginBackend = bruteforce.NewRedisBackend(c, "bulwark:test:bf:")
	})
	var logs strings.Builder
	h.srv.guardDown = outage.New(slog.New(slog.NewTextHandler(&logs, nil)), "guard down", "guard back")
	b := h.browser()
	csrf := h.loginForm(b)
	for range 3 {
		r, p := h.signIn(b, csrf, testUser, testPassword)
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" ||
			!strings.Contains(p, "not possible right now") || strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), cookieLogin+"=") {
			t.Fatalf("backend down: %d %q %q", r.StatusCode, r.Header, p)
		}
	}
	if n := strings.Count(logs.String(), `msg="guard down"`); n != 1 {
		t.Fatalf("%d lines for one outage:\n%s", n, logs.String())
	}
}

// Two servers sharing Redis (two nodes): failures made on one lock the
// username on the other.
func TestLoginLockoutSharedThroughRedis(t *testing.T) {
	raw := os.Getenv("BULWARK_TEST_REDIS_URL")
	if raw == "" {
		t.Skip("BULWARK_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/0): skipping the two-node lockout test")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("BULWARK_TEST_REDIS_URL: %v", err)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	prefix := "bulwark:test:" + hex.EncodeToString(id[:]) + ":bf:"
	node := func() *harness {
		c := redis.NewClient(opt)
		t.Cleanup(func() { _ = c.Close() })
		if err := c.Ping(context.Background()).Err(); err != nil {
			t.Fatalf("redis: %v", err)
		}
		return newHarness(t, storetest.SQLiteDSN(t), func(o *Options) {
			loginProtection(3, 0)(o)
			o.LoginBackend = bruteforce.NewRedisBackend(c, prefix)
		})
	}
	one, two := node(), node()
	b1, b2 := one.browser(), two.browser()
	csrf1, csrf2 := one.loginForm(b1), two.loginForm(b2)
	if r, _ := two.signIn(b2, csrf2, testUser, testPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("node two before the guesses: %d", r.StatusCode)
	}
	for i := range 3 {
		if r, _ := one.signIn(b1, csrf1, testUser, "wrong"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("node one, guess %d: %d", i, r.StatusCode)
		}
	}
	r, p := two.signIn(b2, csrf2, testUser, testPassword)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(p, "Too many failed sign-ins") {
		t.Fatalf("node two after three failures on node one: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
}
