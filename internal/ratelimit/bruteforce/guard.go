package bruteforce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Subject kinds.
const (
	KindIP       = "ip"
	KindUsername = "username"
)

// minSecret is the shortest accepted HMAC key: 128 bits.
const minSecret = 16

// ErrSubject reports a subject with an unknown kind or an empty value.
var ErrSubject = errors.New("bruteforce: invalid subject")

// Config tunes a Guard.
type Config struct {
	// MaxFailures locks a subject out once it fails this many times within
	// Window. 0 disables lockouts (delays only).
	MaxFailures int
	// Window is how long failures are remembered, from a subject's first
	// failure. Required.
	Window time.Duration
	// Lockout is how long a subject stays locked. Required with MaxFailures.
	// When a lock starts, the subject's count starts over.
	Lockout time.Duration
	// DelayAfter is how many failures go without delay: the next request
	// after DelayAfter+k failures (k >= 1) waits BaseDelay * 2^(k-1).
	DelayAfter int
	// BaseDelay is the first progressive delay; 0 disables delays.
	BaseDelay time.Duration
	// MaxDelay caps the progressive delay. Required with BaseDelay.
	MaxDelay time.Duration
	// Secret keys the HMAC that hides usernames and IPs in backend keys: at
	// least 16 bytes, the same on every node sharing a backend.
	Secret []byte
	// Now is the clock handed to the backend (the memory backend uses it; a
	// Redis backend uses the server's clock). time.Now when nil.
	Now func() time.Time
}

// Subject is who a login attempt is counted against.
type Subject struct {
	Kind  string // KindIP or KindUsername
	Value string // the client IP as the gateway decided it, or the username
}

// Verdict is what Check decided for an attempt.
type Verdict struct {
	// Locked means refuse the attempt (429) without forwarding it.
	Locked bool
	// RetryAfter is how long the longest lock has left, when Locked.
	RetryAfter time.Duration
	// Delay is how long to hold the attempt before forwarding it, when not
	// Locked.
	Delay time.Duration
	// Kind is the kind of the subject that locked or delayed the attempt.
	Kind string
}

// Guard counts failed logins and decides lockouts and delays. It is safe for
// concurrent use; its state lives in the Backend.
type Guard struct {
	b   Backend
	cfg Config
	pol Policy
}

// New returns a Guard keeping its counters in b.
func New(b Backend, cfg Config) (*Guard, error) {
	if err := validate(b, cfg); err != nil {
		return nil, fmt.Errorf("bruteforce: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	pol := Policy{MaxFailures: cfg.MaxFailures, Window: cfg.Window, Lockout: cfg.Lockout}
	return &Guard{b: b, cfg: cfg, pol: pol}, nil
}

func validate(b Backend, c Config) error {
	switch {
	case b == nil:
		return errors.New("nil backend")
	case len(c.Secret) < minSecret:
		return fmt.Errorf("secret must be at least %d bytes, got %d", minSecret, len(c.Secret))
	case c.Window <= 0:
		return fmt.Errorf("window must be positive, got %s", c.Window)
	case c.MaxFailures < 0 || c.DelayAfter < 0 || c.BaseDelay < 0:
		return errors.New("max failures, delay after and base delay must not be negative")
	case c.MaxFailures > 0 && c.Lockout <= 0:
		return fmt.Errorf("lockout must be positive with max failures, got %s", c.Lockout)
	case c.BaseDelay > 0 && c.MaxDelay < c.BaseDelay:
		return fmt.Errorf("max delay %s is below base delay %s", c.MaxDelay, c.BaseDelay)
	}
	return nil
}

// Check decides, before forwarding, whether an attempt by subjects is locked
// out or must be delayed. The strictest subject wins. An error means the
// backend could not answer; the gateway fails closed.
func (g *Guard) Check(ctx context.Context, subjects []Subject) (Verdict, error) {
	var v Verdict
	now := g.cfg.Now()
	for _, s := range subjects {
		key, err := g.Key(s)
		if err != nil {
			return Verdict{}, err
		}
		st, err := g.b.Get(ctx, key, now)
		if err != nil {
			return Verdict{}, fmt.Errorf("bruteforce: check %s: %w", s.Kind, err)
		}
		switch {
		case st.Locked > 0 && st.Locked > v.RetryAfter:
			v = Verdict{Locked: true, RetryAfter: st.Locked, Kind: s.Kind}
		case v.Locked:
		case g.delay(st.Failures) > v.Delay:
			v.Delay, v.Kind = g.delay(st.Failures), s.Kind
		}
	}
	return v, nil
}

// Record counts the outcome of a forwarded attempt. A failure counts against
// every subject and locks those that reach MaxFailures. A success resets the
// username's count only: the IP's count runs out with its window, so an
// attacker holding one valid account cannot log into it between guesses to
// wipe the failures of their IP (credential stuffing from one address).
func (g *Guard) Record(ctx context.Context, subjects []Subject, failed bool) error {
	now := g.cfg.Now()
	for _, s := range subjects {
		key, err := g.Key(s)
		if err != nil {
			return err
		}
		switch {
		case failed:
			_, err = g.b.Fail(ctx, key, g.pol, now)
		case s.Kind == KindUsername:
			err = g.b.Reset(ctx, key)
		}
		if err != nil {
			return fmt.Errorf("bruteforce: record %s: %w", s.Kind, err)
		}
	}
	return nil
}

// Key returns the backend key of s: its kind and the first 32 hex digits of
// HMAC-SHA-256(Secret, value trimmed and lower-cased). Lower-casing makes
// "Alice" and "alice " one subject, so case variants cannot open fresh
// counters; hashing keeps usernames and IPs out of the backend in clear.
func (g *Guard) Key(s Subject) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s.Value))
	if (s.Kind != KindIP && s.Kind != KindUsername) || v == "" {
		return "", fmt.Errorf("%w: kind %q with %d-byte value", ErrSubject, s.Kind, len(s.Value))
	}
	m := hmac.New(sha256.New, g.cfg.Secret)
	m.Write([]byte(v))
	return s.Kind + ":" + hex.EncodeToString(m.Sum(nil))[:32], nil
}

// delay is the progressive delay after failures.
func (g *Guard) delay(failures int64) time.Duration {
	k := failures - int64(g.cfg.DelayAfter)
	if g.cfg.BaseDelay <= 0 || k <= 0 {
		return 0
	}
	d := g.cfg.BaseDelay
	for i := int64(1); i < k; i++ {
		if d > g.cfg.MaxDelay/2 {
			return g.cfg.MaxDelay
		}
		d *= 2
	}
	return min(d, g.cfg.MaxDelay)
}
