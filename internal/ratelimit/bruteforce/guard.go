package bruteforce

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
	// MaxFailures locks a username out once it fails this many times within
	// Window. Attempts in flight count against it too: at most MaxFailures
	// attempts for one username reach the upstream per window. 0 disables
	// lockouts (delays only).
	MaxFailures int
	// IPMaxFailures locks a client IP once logins from it, over every
	// username, fail this many times within Window (in-flight attempts
	// count). It is separate from MaxFailures so one user's typos do not
	// lock everyone behind the same NAT. 0: the IP is not counted at all.
	IPMaxFailures int
	// Window is how long failures are remembered, from a subject's first
	// failure. Required.
	Window time.Duration
	// Lockout is how long a subject stays locked. Required with MaxFailures.
	// When a lock starts, the subject's count starts over.
	Lockout time.Duration
	// Hold is the longest an attempt may stay in flight (its delay plus the
	// upstream's answer). A reservation still held then counts as a
	// failure. Required; at least MaxDelay.
	Hold time.Duration
	// DelayAfter is how many username failures go without delay: the next
	// attempt after DelayAfter+k failures (k >= 1) waits BaseDelay * 2^(k-1).
	DelayAfter int
	// IPDelayAfter is the same for the client IP's failures.
	IPDelayAfter int
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
	Value string // the client IP as the gateway decided it, or the canonical username
}

// Login is one login attempt: the client IP (group) it comes from and the
// canonical username it names ("" when the body names none).
type Login struct {
	IP       string
	Username string
}

// Verdict is what Begin decided for an attempt.
type Verdict struct {
	// Locked means refuse the attempt (429) without forwarding it.
	Locked bool
	// Busy means refuse the attempt (429) without forwarding it: attempts
	// already in flight use up what is left before a lock.
	Busy bool
	// RetryAfter is how long the lock has left, when Locked.
	RetryAfter time.Duration
	// Delay is how long to hold the attempt before forwarding it, when
	// admitted.
	Delay time.Duration
	// Kind is the kind of the subject that refused or delayed the attempt.
	Kind string
}

// Outcome is how an admitted attempt ended.
type Outcome uint8

const (
	// Unknown: the attempt was forwarded and its answer never seen (the
	// upstream timed out, the connection broke, the client left). Counted
	// as a failure: releasing it would let a caller who can make answers
	// get lost have more than MaxFailures guesses checked by the upstream.
	Unknown Outcome = iota
	// Failed: the upstream answered with a failure status.
	Failed
	// Succeeded: the upstream accepted the login (2xx). The username's
	// failures are forgotten; the IP's run out with their window.
	Succeeded
	// Released: the attempt never reached the upstream (the client left
	// during its delay) or the upstream's answer was not a login verdict
	// (neither a failure status nor 2xx). Its slot is freed, nothing counted.
	Released
)

// Guard counts failed logins and decides lockouts and delays. It is safe for
// concurrent use; its state lives in the Backend.
type Guard struct {
	b      Backend
	cfg    Config
	pol    Policy // usernames
	ipPol  Policy // client IPs
	idBase string // random per Guard: attempt ids are unique across nodes
	seq    atomic.Uint64
	macs   sync.Pool // HMAC-SHA-256 states under Secret, reused by Key
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
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("bruteforce: %w", err)
	}
	g := &Guard{b: b, cfg: cfg, idBase: hex.EncodeToString(id[:]) + ":",
		pol:   Policy{MaxFailures: cfg.MaxFailures, Window: cfg.Window, Lockout: cfg.Lockout, Hold: cfg.Hold},
		ipPol: Policy{MaxFailures: cfg.IPMaxFailures, Window: cfg.Window, Lockout: cfg.Lockout, Hold: cfg.Hold},
	}
	g.macs.New = func() any { return hmac.New(sha256.New, g.cfg.Secret) }
	return g, nil
}

func validate(b Backend, c Config) error {
	switch {
	case b == nil:
		return errors.New("nil backend")
	case len(c.Secret) < minSecret:
		return fmt.Errorf("secret must be at least %d bytes, got %d", minSecret, len(c.Secret))
	case c.Window <= 0:
		return fmt.Errorf("window must be positive, got %s", c.Window)
	case c.MaxFailures < 0 || c.IPMaxFailures < 0 || c.DelayAfter < 0 || c.IPDelayAfter < 0 || c.BaseDelay < 0:
		return errors.New("max failures, delay after and base delay must not be negative")
	case (c.MaxFailures > 0 || c.IPMaxFailures > 0) && c.Lockout <= 0:
		return fmt.Errorf("lockout must be positive with max failures, got %s", c.Lockout)
	case c.BaseDelay > 0 && c.MaxDelay < c.BaseDelay:
		return fmt.Errorf("max delay %s is below base delay %s", c.MaxDelay, c.BaseDelay)
	case c.Hold <= 0 || (c.BaseDelay > 0 && c.Hold <= c.MaxDelay):
		return fmt.Errorf("hold %s must be positive and longer than the max delay %s", c.Hold, c.MaxDelay)
	}
	return nil
}

// Attempt is an admitted login attempt: it holds a reservation on each of
// its subjects until Settle. Settle it exactly once; later calls do nothing.
type Attempt struct {
	g       *Guard
	id      string
	subs    [2]reserved
	n       int
	settled atomic.Bool
}

type reserved struct {
	kind, key string
	pol       *Policy
}

// subjects returns the subjects l is counted against and their policies.
func (g *Guard) subjects(l Login) ([2]Subject, [2]*Policy, int) {
	var s [2]Subject
	var p [2]*Policy
	// The username first: a flood at one account is refused there, without
	// taking (and giving back) slots of the address it shares with others.
	n := 0
	if l.Username != "" {
		s[n], p[n] = Subject{KindUsername, l.Username}, &g.pol
		n++
	}
	if g.cfg.IPMaxFailures > 0 && l.IP != "" {
		s[n], p[n] = Subject{KindIP, l.IP}, &g.ipPol
		n++
	}
	return s, p, n
}

// Counted reports whether l is counted against any subject; an attempt that
// is not (no username, the IP not counted) cannot be limited.
func (g *Guard) Counted(l Login) bool {
	_, _, n := g.subjects(l)
	return n > 0
}

// Begin decides, before forwarding, whether attempt l may go ahead, and if
// so reserves its slot on every subject: attempts in flight count against
// the thresholds, so parallel guesses cannot outrun the count. A refused
// attempt (Locked or Busy) holds nothing and returns a nil Attempt. An
// admitted one must be settled. An error means the backend could not answer;
// the gateway fails closed.
func (g *Guard) Begin(ctx context.Context, l Login) (*Attempt, Verdict, error) {
	subs, pols, n := g.subjects(l)
	if n == 0 {
		return nil, Verdict{}, fmt.Errorf("%w: login counted against nothing", ErrSubject)
	}
	a := &Attempt{g: g, id: g.idBase + strconv.FormatUint(g.seq.Add(1), 36)}
	now := g.cfg.Now()
	var v Verdict
	for i := range n {
		key, err := g.Key(subs[i])
		if err != nil {
			a.release(ctx)
			return nil, Verdict{}, err
		}
		st, ok, err := g.b.Reserve(ctx, key, a.id, *pols[i], now)
		if err != nil {
			a.release(ctx)
			return nil, Verdict{}, fmt.Errorf("bruteforce: reserve %s: %w", subs[i].Kind, err)
		}
		if !ok {
			a.release(ctx)
			if st.Locked > 0 {
				return nil, Verdict{Locked: true, RetryAfter: st.Locked, Kind: subs[i].Kind}, nil
			}
			return nil, Verdict{Busy: true, Kind: subs[i].Kind}, nil
		}
		a.subs[a.n] = reserved{kind: subs[i].Kind, key: key, pol: pols[i]}
		a.n++
		after := g.cfg.DelayAfter
		if subs[i].Kind == KindIP {
			after = g.cfg.IPDelayAfter
		}
		if d := g.delay(st.Failures, after); d > v.Delay {
			v.Delay, v.Kind = d, subs[i].Kind
		}
	}
	return a, v, nil
}

// release frees the reservations taken so far (a refused or failed Begin).
func (a *Attempt) release(ctx context.Context) {
	if a.n > 0 {
		_ = a.Settle(ctx, Released)
	}
}

// Settle ends the attempt with outcome o: a failure (or an Unknown outcome)
// counts against every subject and locks those that reach their maximum;
// a success frees the slots and resets the username's count only (so an
// attacker holding one valid account cannot log into it between guesses to
// wipe the failures of their IP); Released frees the slots. Only the first
// call counts. On an error the reservations left expire after Hold and count
// as failures then.
func (a *Attempt) Settle(ctx context.Context, o Outcome) error {
	if a == nil || !a.settled.CompareAndSwap(false, true) {
		return nil
	}
	failed := o == Failed || o == Unknown
	now := a.g.cfg.Now()
	var errs []error
	for _, s := range a.subs[:a.n] {
		if _, err := a.g.b.Settle(ctx, s.key, a.id, failed, *s.pol, now); err != nil {
			errs = append(errs, fmt.Errorf("bruteforce: settle %s: %w", s.kind, err))
			continue
		}
		if o == Succeeded && s.kind == KindUsername {
			if err := a.g.b.Reset(ctx, s.key); err != nil {
				errs = append(errs, fmt.Errorf("bruteforce: reset %s: %w", s.kind, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Key returns the backend key of s: its kind and the first 32 hex digits of
// HMAC-SHA-256(Secret, value). The value is taken as given: usernames are
// canonicalised when read (Canonical), by the route's rules. Hashing keeps
// usernames and IPs out of the backend in clear.
func (g *Guard) Key(s Subject) (string, error) {
	if (s.Kind != KindIP && s.Kind != KindUsername) || s.Value == "" {
		return "", fmt.Errorf("%w: kind %q with %d-byte value", ErrSubject, s.Kind, len(s.Value))
	}
	m := g.macs.Get().(hash.Hash)
	defer g.macs.Put(m)
	m.Reset()
	_, _ = io.WriteString(m, s.Kind)
	_, _ = m.Write([]byte{0})
	_, _ = io.WriteString(m, s.Value)
	var sum [sha256.Size]byte
	var out [len(KindUsername) + 1 + 32]byte
	n := copy(out[:], s.Kind)
	out[n] = ':'
	hex.Encode(out[n+1:], m.Sum(sum[:0])[:16])
	return string(out[:n+33]), nil
}

// delay is the progressive delay after failures, starting after after.
func (g *Guard) delay(failures int64, after int) time.Duration {
	k := failures - int64(after)
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

// Answer maps the status an upstream answered an attempt with: one of
// failure is Failed, 2xx is Succeeded. Any other status is not a login
// verdict (ok false): the caller settles the attempt Released once it knows
// the status came from the upstream, Unknown when the gateway answered
// itself (timeout, unreachable upstream, broken stream).
func Answer(status int, failure []int) (o Outcome, ok bool) {
	switch {
	case slices.Contains(failure, status):
		return Failed, true
	case status >= 200 && status <= 299:
		return Succeeded, true
	}
	return Released, false
}
