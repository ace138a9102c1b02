package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bulwark-gw/bulwark/internal/outage"
)

// target is one upstream base URL and its health.
type target struct {
	raw         string // as configured; safe to log (user info is refused)
	scheme      string
	host        string
	basePath    string // decoded base path, "" for none
	baseEscaped string // escaped base path
	baseHasRaw  bool   // base path needs its escaped form kept
	healthURL   string

	h1 h1pool // idle connections of the synchronous client

	ejectedUntil atomic.Int64 // unix nanoseconds; 0 when never ejected
	down         atomic.Bool  // active checks found it unhealthy
	// outage logs the first ejection of an outage and the first good answer
	// after it, once each however many requests race (Upstream.charge).
	outage *outage.Log

	mu        sync.Mutex
	fails     []int64 // ring of passive failure times (unix ns), len MaxFails
	next      int     // ring index of the oldest entry
	okRun     int     // consecutive good probes
	failRun   int     // consecutive failed probes
	lastErr   string
	lastCheck time.Time
}

// newTarget parses raw into a target with a passive ring of maxFails entries.
func newTarget(raw string, maxFails int, healthPath string) (*target, error) {
	u, err := parseTarget(raw)
	if err != nil {
		return nil, err
	}
	t := &target{
		raw:         strings.TrimSuffix(raw, "/"),
		scheme:      u.Scheme,
		host:        u.Host,
		basePath:    u.Path,
		baseEscaped: u.EscapedPath(),
		baseHasRaw:  u.RawPath != "",
		outage:      outage.New(nil, "target ejected", "target recovered"), // Upstream's New gives it the logger
	}
	if t.basePath == "/" {
		t.basePath, t.baseEscaped = "", ""
	}
	if maxFails > 0 {
		t.fails = make([]int64, maxFails)
	}
	if healthPath != "" {
		hu := url.URL{Scheme: u.Scheme, Host: u.Host, Path: joinPath(t.basePath, healthPath)}
		t.healthURL = hu.String()
	}
	return t, nil
}

// available reports whether t may receive traffic; now is read only when t
// has ever been ejected, to keep the hot path free of clock reads.
func (t *target) available(now func() time.Time) bool {
	if t.down.Load() {
		return false
	}
	eu := t.ejectedUntil.Load()
	return eu == 0 || now().UnixNano() >= eu
}

// fail records a passive failure at now and reports whether it ejected t:
// MaxFails failures within window eject t until now+ejectFor. Failures while
// t is ejected (requests that were in flight when it was) are not counted:
// they would eject it again and again, each ejection pushing its end further.
func (t *target) fail(now time.Time, window, ejectFor time.Duration, cause error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastErr = shortError(cause)
	ns := now.UnixNano()
	if len(t.fails) == 0 || ns < t.ejectedUntil.Load() {
		return false
	}
	t.fails[t.next] = ns
	t.next = (t.next + 1) % len(t.fails)
	oldest := t.fails[t.next]
	if oldest == 0 || ns-oldest > int64(window) {
		return false
	}
	t.ejectedUntil.Store(ns + int64(ejectFor))
	clear(t.fails)
	return true
}

// recentFails counts passive failures within window before now.
func (t *target) recentFails(now time.Time, window time.Duration) int {
	n := 0
	for _, f := range t.fails {
		if f != 0 && now.UnixNano()-f <= int64(window) {
			n++
		}
	}
	return n
}

// joinPath joins a target base path and a request path with one slash.
func joinPath(base, p string) string {
	if p == "" {
		p = "/"
	} else if p[0] != '/' {
		p = "/" + p
	}
	if base == "" {
		return p
	}
	if strings.HasSuffix(base, "/") {
		return base + p[1:]
	}
	return base + p
}

// statusError is a failure status from a target.
type statusError int

func (e statusError) Error() string { return fmt.Sprintf("status %d", int(e)) }

// shortError describes err in a few words without addresses or secrets, for
// health output.
func shortError(err error) string {
	var se statusError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return se.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dnsErr):
		return "dns lookup failed"
	case isTimeout(err):
		return "timeout"
	case isDialError(err):
		return "connect failed"
	default:
		return "request failed"
	}
}
