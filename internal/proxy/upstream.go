package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/logthrottle"
	"github.com/bulwark-gw/bulwark/internal/outage"
)

// ErrStreamAborted is recorded in Outcome.Err when a response stream broke
// after its headers were sent (the upstream or the client went away).
var ErrStreamAborted = errors.New("response stream aborted")

// Upstream forwards requests to one API's targets. It is safe for concurrent
// use; build it once with New, Start its health checks, Close it when done.
type Upstream struct {
	cfg       Config
	logger    *slog.Logger
	targets   []*target
	rr        atomic.Uint64
	now       func() time.Time
	transport *http.Transport
	dialer    *net.Dialer      // the synchronous client's (the transport has its own)
	allHTTP   bool             // every target is plain HTTP: the synchronous client may serve
	unasked   logthrottle.Keys // lines about unsolicited bytes, per target (h1.go)
	buffers   bufferPool

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New validates cfg and returns an Upstream ready to serve. Health checks do
// not run until Start. A nil logger discards logs.
func New(cfg Config, logger *slog.Logger) (*Upstream, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("upstream %q: %w", cfg.Name, err)
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	u := &Upstream{cfg: cfg, logger: logger.With("upstream", cfg.Name), now: time.Now}
	for _, raw := range cfg.Targets {
		t, err := newTarget(raw, cfg.MaxFails, cfg.HealthPath)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: %w", cfg.Name, err)
		}
		t.outage = outage.New(u.logger, "target ejected", "target recovered")
		u.targets = append(u.targets, t)
		u.allHTTP = t.scheme == "http" && (u.allHTTP || len(u.targets) == 1)
	}
	tr, err := newTransport(cfg, u.targets)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", cfg.Name, err)
	}
	u.transport, u.buffers = tr, newBufferPool()
	u.dialer = &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: tcpKeepAlive}
	return u, nil
}

// Name returns the API name the upstream serves.
func (u *Upstream) Name() string { return u.cfg.Name }

// Forward sends r to a healthy target and streams the answer to w. The
// caller has set r.URL.Path, r.URL.RawPath and r.URL.RawQuery; the target
// receives that path joined to its base path. info carries the gateway's
// decisions in (forwarding facts, kept headers, request id, response guards)
// and the Outcome out; it is required, because an answer forwarded without
// its response guards would reach the client unchecked: a nil info is
// refused with a 500 and nothing is sent upstream. Failures are answered with
// problems (see handleError); with no available target the answer is 503
// upstream_unavailable and Retry-After: 1.
//
// When a response stream breaks after its headers were sent, Forward fills
// the Outcome and re-raises http.ErrAbortHandler, the net/http way to abort a
// response so a truncated body is never presented as complete; callers that
// must see every outcome record it in a deferred function.
func (u *Upstream) Forward(w http.ResponseWriter, r *http.Request, info *RequestInfo) {
	if info == nil {
		u.logger.Error("forward called without request info; refused")
		httperr.Write(w, "", httperr.New(http.StatusInternalServerError, "internal", ""))
		return
	}
	info.Outcome, info.target, info.charged, info.body, info.sent, info.rtErr = Outcome{}, nil, nil, nil, false, nil
	t := u.pick(nil)
	if t == nil {
		u.unavailable(w, info)
		return
	}
	info.target, info.Outcome.Target = t, t.raw
	ctx := r.Context()
	upType := upgradeType(r.Header)
	info.sync = u.syncEligible(r, upType)
	if u.cfg.RequestTimeout > 0 && upType == "" && !info.sync { // an upgraded connection lives on
		// (The synchronous client bounds the exchange with its connection's
		// deadline instead: no timer and context per request.)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, u.cfg.RequestTimeout)
		defer cancel()
	}
	defer noteAbort(info)
	u.forward(w, r, ctx, info, upType)
}

// noteAbort records a broken response stream and re-raises the abort.
func noteAbort(info *RequestInfo) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as panic value
			info.Outcome.Err = ErrStreamAborted
		}
		panic(v) // re-raise: only net/http may end an aborted response
	}
}

// unavailable answers when no target may receive traffic.
func (u *Upstream) unavailable(w http.ResponseWriter, info *RequestInfo) {
	p := problem(http.StatusServiceUnavailable, codeUnavailable).WithHeader("Retry-After", "1")
	info.Outcome = Outcome{Status: p.Status, Code: p.Code, Err: errNoTarget}
	u.logger.Debug("no healthy target", "request_id", info.RequestID)
	httperr.Write(w, info.RequestID, p)
}
