package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/logsafe"
)

// Problem codes the proxy answers with.
const (
	codeUnreachable    = "upstream_unreachable"  // 502: connect or transport failure
	codeBadResponse    = "upstream_bad_response" // 502: protocol switch refused or broken
	codeTimeout        = "upstream_timeout"      // 504: no response headers in time
	codeUnavailable    = "upstream_unavailable"  // 503: every target ejected or unhealthy
	codeBodyTooLarge   = "body_too_large"        // 413: caller's MaxBytesReader limit hit
	codeBodyTimeout    = "body_timeout"          // 408: client body not received in time
	codeBodyIncomplete = "body_incomplete"       // 400: client body ended early
	codeUpgradeInvalid = "upgrade_invalid"       // 400: unusable Upgrade header
	codeClientClosed   = "client_closed"         // 499: client went away first
)

// statusClientClosed is the non-standard status recorded when the client hung up.
const statusClientClosed = 499

var errNoTarget = errors.New("no healthy target")

// problem returns the proxy's problem for a code, with a public detail that
// never contains internal error text.
func problem(status int, code string) *httperr.Problem {
	p := httperr.New(status, code, "")
	switch code {
	case codeUnreachable:
		p.Detail = "The upstream service could not be reached."
	case codeBadResponse:
		p.Detail = "The upstream service sent an unusable response."
	case codeTimeout:
		p.Detail = "The upstream service did not answer in time."
	case codeUnavailable:
		p.Detail = "No upstream service is available; retry shortly."
	case codeBodyTooLarge:
		p.Detail = "The request body is too large."
	case codeBodyTimeout:
		p.Detail = "The request body was not received in time."
	case codeBodyIncomplete:
		p.Detail = "The request body could not be read completely."
	case codeUpgradeInvalid:
		p.Detail = "The protocol upgrade request is invalid."
	case codeClientClosed:
		p.Title, p.Detail = "Client Closed Request", "The client closed the request."
	}
	return p
}

// handleError answers a request that got no usable response from a target.
// Only failures on the target's side are charged to it; client-side failures
// are answered with a 4xx so a client cannot eject targets. ctx is the
// forwarded request's context (with its timeout).
func (u *Upstream) handleError(w http.ResponseWriter, ctx context.Context, info *RequestInfo, err error) {
	var guard *httperr.Problem
	if errors.As(err, &guard) { // a response guard refused the upstream's answer
		info.Outcome.Status, info.Outcome.Code, info.Outcome.Err = guard.Status, guard.Code, err
		httperr.Write(w, info.RequestID, guard)
		return
	}
	status, code, fault := classify(ctx, info, err)
	if fault {
		u.charge(info, err)
	} else {
		u.logger.Info("request not forwarded", "code", code, "request_id", info.RequestID, "error", err)
	}
	info.Outcome.Status, info.Outcome.Code, info.Outcome.Err = status, code, err
	httperr.Write(w, info.RequestID, problem(status, code).WithCause(err))
}

// classify maps a forwarding error to a status, a problem code and whether the
// target is at fault. Client-side causes are checked first: the transport may
// report them as its own failure.
func classify(ctx context.Context, info *RequestInfo, err error) (int, string, bool) {
	clientErr := info.body.clientErr()
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(clientErr, &tooLarge) || errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, codeBodyTooLarge, false
	case clientErr != nil && isTimeout(clientErr):
		return http.StatusRequestTimeout, codeBodyTimeout, false
	case clientErr != nil:
		return http.StatusBadRequest, codeBodyIncomplete, false
	case errors.Is(ctx.Err(), context.Canceled):
		return statusClientClosed, codeClientClosed, false
	case !info.sent:
		return http.StatusBadRequest, codeUpgradeInvalid, false
	case info.rtErr == nil:
		return http.StatusBadGateway, codeBadResponse, false
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && !info.body.complete():
		// The deadline passed while the client was still sending: a slow client.
		return http.StatusRequestTimeout, codeBodyTimeout, false
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return http.StatusGatewayTimeout, codeTimeout, true
	case isDialError(err):
		return http.StatusBadGateway, codeUnreachable, true
	case isTimeout(err):
		return http.StatusGatewayTimeout, codeTimeout, true
	default:
		return http.StatusBadGateway, codeUnreachable, true
	}
}

// charge records a passive failure against the request's current target once
// and logs the real cause.
func (u *Upstream) charge(info *RequestInfo, cause error) {
	t := info.target
	if t == nil || info.charged == t {
		return
	}
	info.charged = t
	level := slog.LevelWarn
	if t.outage.Failing() {
		level = slog.LevelDebug // the outage's line is out; each request is in the audit log
	}
	// Masked: a parse error quotes what the upstream sent ("malformed HTTP
	// status code \"…\""), which may be data the gateway exists to withhold.
	logged := errors.New(logsafe.Mask(cause.Error()))
	u.logger.Log(context.Background(), level, "upstream request failed", "target", t.raw, "request_id", info.RequestID, "error", logged)
	if t.fail(u.now(), u.cfg.FailWindow, u.cfg.EjectFor, cause) {
		// Once per outage: an ejection that follows the previous one's end
		// without a good answer in between is the same outage.
		t.outage.Fail(context.Background(), logged, "target", t.raw, "for", u.cfg.EjectFor)
	}
}

// roundTrip sends req and, for a GET or HEAD without a body whose connection
// could not be opened, tries once more on a different target. Nothing reached
// the first target, so the retry cannot repeat an effect.
func (u *Upstream) roundTrip(info *RequestInfo, req *http.Request, ex *exchange, upType string) (*http.Response, error) {
	resp, err := u.send(info.target, req, ex, upType)
	info.sent = true
	if err != nil && retryable(req, err) {
		if next := u.pick(info.target); next != nil {
			u.charge(info, err)
			retry := req.Clone(req.Context())
			setURL(retry, next, info.inPath)
			info.target, info.Outcome.Target = next, next.raw
			resp, err = u.send(next, retry, ex, upType)
		}
	}
	info.rtErr = err
	return resp, err
}

// send hands req to the synchronous client when it can take it (see h1.go)
// and to http.Transport otherwise.
func (u *Upstream) send(t *target, req *http.Request, ex *exchange, upType string) (*http.Response, error) {
	if ex.info.sync {
		return u.syncRoundTrip(req.Context(), t, req, ex.onInfo)
	}
	return u.transport.RoundTrip(req)
}

// retryable reports whether req may be sent again after err.
func retryable(req *http.Request, err error) bool {
	return (req.Method == http.MethodGet || req.Method == http.MethodHead) &&
		req.Body == nil && req.Context().Err() == nil && isDialError(err)
}
