package bruteforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Options are a login route's brute-force settings (the route's brute_force
// block, docs/rate-limiting.md), as internal/config decodes them.
type Options struct {
	UsernameField string // JSON or form field holding the username
	// UsernameNormalize says which username variants are one account.
	UsernameNormalize Normalization
	FailureStatuses   []int // upstream statuses that count as a failed login
	MaxFailures       int   // per username, attempts in flight included
	IPMaxFailures     int   // per client IP over every username; 0: the IP is not counted
	Window            time.Duration
	Lockout           time.Duration
	DelayAfter        int
	IPDelayAfter      int
	BaseDelay         time.Duration
	MaxDelay          time.Duration
	// AttemptTimeout is how long an attempt may stay in flight; one whose
	// answer was not seen by then counts as a failure.
	AttemptTimeout time.Duration
}

// LoginGuard is a login route's brute-force protection on the request path:
// it reads who an attempt counts against from the request, holds or refuses
// it (Begin), and counts its outcome from the answer (Answer, Finish). It is
// safe for concurrent use.
type LoginGuard struct {
	o      Options
	guard  *Guard
	user   UsernameRule
	logger *slog.Logger
}

// maxRetryAfter caps a lockout's Retry-After at a day.
const maxRetryAfter = 24 * time.Hour

// settleTimeout bounds counting an outcome: the client may be gone, the
// count must still land.
const settleTimeout = 2 * time.Second

// NewLoginGuard returns the route's guard counting in b; secret keys the HMAC
// that hides usernames and IPs in backend keys. A nil logger discards.
func NewLoginGuard(o Options, b Backend, secret []byte, logger *slog.Logger) (*LoginGuard, error) {
	g, err := New(b, Config{MaxFailures: o.MaxFailures, IPMaxFailures: o.IPMaxFailures,
		Window: o.Window, Lockout: o.Lockout, Hold: o.AttemptTimeout, DelayAfter: o.DelayAfter, IPDelayAfter: o.IPDelayAfter,
		BaseDelay: o.BaseDelay, MaxDelay: o.MaxDelay, Secret: secret})
	if err != nil {
		return nil, fmt.Errorf("brute_force: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LoginGuard{o: o, guard: g, user: UsernameRule{Field: o.UsernameField, Normalize: o.UsernameNormalize}, logger: logger}, nil
}

// login reads the canonical username from the body (leaving the body intact
// for the upstream) and returns who the attempt counts against: the client
// group and the username.
func (l *LoginGuard) login(x *exchange.Exchange) (Login, *httperr.Problem) {
	r := x.Req
	lg := Login{IP: x.ClientGroup}
	body, ok := x.Body() // the body the guards share, read once
	if !ok && r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return lg, httperr.BodyRead(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		x.SetBody(body)
	}
	field := l.o.UsernameField
	name, err := l.user.ReadIndexed(r.Header.Get("Content-Type"), r.URL.RawQuery, body, x.JSON)
	switch {
	case len(body) == 0 && !InQuery(r.URL.RawQuery, field), errors.Is(err, ErrNoUsername):
		// counted against the IP alone
	case errors.Is(err, ErrInvalidUsername):
		return lg, httperr.New(http.StatusBadRequest, "login_username_invalid",
			"The "+field+" value holds control characters, invisible characters or invalid UTF-8.").WithCause(err)
	case err != nil:
		// Parameter pollution (a repeated or non-string username, one in the
		// query too) is refused: a guard must never count one username while
		// the upstream logs in another.
		return lg, httperr.New(http.StatusBadRequest, "login_malformed",
			"The login request must carry exactly one "+field+" value, in its body.").WithCause(err)
	default:
		lg.Username = name
	}
	if !l.guard.Counted(lg) { // the IP is not counted and no username: nothing could limit it
		return lg, httperr.New(http.StatusBadRequest, "login_malformed",
			"The login request must carry a "+field+" value.")
	}
	return lg, nil
}

// Begin reads the attempt from x, refuses it when its username or client is
// locked out, or reserves its slot (attempts in flight count against the
// thresholds) and holds it for its progressive delay. The returned attempt
// must be settled with Answer and Finish. Nothing may refuse the request
// after Begin admitted it: the gateway runs it last.
func (l *LoginGuard) Begin(ctx context.Context, x *exchange.Exchange) (*Attempt, *httperr.Problem) {
	lg, p := l.login(x)
	if p != nil {
		return nil, p
	}
	return l.Admit(ctx, lg)
}

// Canonical returns name as this guard counts it (the route's
// username_normalize), for a caller that reads the username itself.
func (l *LoginGuard) Canonical(name string) (string, error) {
	return l.user.Normalize.Canonical(name)
}

// Admit is Begin for a caller that has read the attempt itself (Bulwark's own
// sign-in page): it refuses lg when its username or client is locked out
// (429 login_locked with Retry-After) or busy (429 login_busy), fails closed
// when the backend cannot answer (503 bruteforce_unavailable), or reserves
// its slots and holds it for its progressive delay (499 client_closed when
// the client leaves meanwhile). The returned attempt must be settled (Settle).
func (l *LoginGuard) Admit(ctx context.Context, lg Login) (*Attempt, *httperr.Problem) {
	a, v, err := l.guard.Begin(ctx, lg)
	switch {
	case err != nil:
		return nil, httperr.New(http.StatusServiceUnavailable, "bruteforce_unavailable",
			"Login protection is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	case v.Locked:
		return nil, httperr.New(http.StatusTooManyRequests, "login_locked",
			"Too many failed logins; try again later.").
			WithHeader("Retry-After", httperr.RetryAfter(v.RetryAfter, maxRetryAfter))
	case v.Busy:
		return nil, httperr.New(http.StatusTooManyRequests, "login_busy",
			"Other login attempts for this account are still being checked; try again shortly.").
			WithHeader("Retry-After", "1")
	}
	if v.Delay > 0 {
		t := time.NewTimer(v.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			l.Settle(a, Released) // never forwarded
			return nil, httperr.New(499, "client_closed", "The client went away while waiting.")
		}
	}
	return a, nil
}

// Settle counts an attempt's outcome on its own short deadline (the client
// may be gone, the count must still land); a failure to count is logged, and
// the reservations left count as failures when their hold ends.
func (l *LoginGuard) Settle(a *Attempt, o Outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	if err := a.Settle(ctx, o); err != nil {
		// The reservations left count as failures when their hold ends.
		l.logger.Warn("brute-force settle failed", "error", err)
	}
}

// Answer settles an attempt from the status about to be sent, when that
// status is a login verdict (a failure status or 2xx): before the client can
// see it, so its next attempt sees the count.
func (l *LoginGuard) Answer(a *Attempt, status int) {
	if o, ok := Answer(status, l.o.FailureStatuses); ok {
		l.Settle(a, o)
	}
}

// Finish settles what Answer left once forwarding is over: an answer of the
// upstream that was not a verdict frees the slot; no answer from the upstream
// (the gateway answered: timeout, unreachable, refused response, broken
// stream) counts as a failure. No-op when already settled.
func (l *LoginGuard) Finish(a *Attempt, upstreamAnswered bool) {
	o := Unknown
	if upstreamAnswered {
		o = Released
	}
	l.Settle(a, o)
}
