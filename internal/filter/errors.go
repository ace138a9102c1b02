package filter

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/codec"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/filter/sanitize"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// What the error check of a route without body filters reads: the first
// errorRead bytes of the body, decoded to at most errorDecoded bytes.
const (
	errorRead    = 64 << 10
	errorDecoded = 1 << 20
)

// errorExcerpt bounds what of a sanitized upstream error reaches the diagnostic log.
const errorExcerpt = 2048

// sanitizeError replaces an upstream error body that leaks internals with a
// generic problem; the original goes, truncated, to the diagnostic log only.
func (g *Guard) sanitizeError(resp *http.Response, x *exchange.Exchange) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, errorRead))
	if err != nil {
		resp.Body.Close()
		return upstreamProblem(resp.StatusCode, "upstream_error")
	}
	// Every Content-Encoding line counts: the client undoes them all.
	enc := strings.Join(resp.Header.Values("Content-Encoding"), ", ")
	body, derr := codec.Decode(bytes.NewReader(raw), enc, errorDecoded)
	if p := g.leakCheck(resp.StatusCode, x, body, derr); p != nil {
		resp.Body.Close()
		return p
	}
	unread(resp, raw) // clean: the client gets the whole answer, the part read and the rest
	return nil
}

// leakCheck decides an error body decoded to body (derr: why it could not
// be): nil when it leaks nothing, else the problem that replaces it. A body
// that cannot be decoded cannot be checked; the client (or an attacker) may
// still decode it, so it is replaced like a leaky one.
func (g *Guard) leakCheck(status int, x *exchange.Exchange, body []byte, derr error) *httperr.Problem {
	if derr != nil {
		g.logger.Warn("upstream error body replaced", "request_id", x.RequestID, "status", status,
			"leaks", "undecodable") // not derr: it can quote the upstream's Content-Encoding
		x.Note("sanitize_errors", "")
		return upstreamProblem(status, "upstream_error")
	}
	leaks := sanitize.Detect(body)
	if len(leaks) == 0 {
		return nil
	}
	kinds := make([]string, len(leaks))
	for i, l := range leaks {
		kinds[i] = string(l)
	}
	g.logger.Warn("upstream error body replaced", "request_id", x.RequestID, "status", status,
		"leaks", strings.Join(kinds, ","), "excerpt", sanitize.Excerpt(body, errorExcerpt))
	x.Note("sanitize_errors", "")
	return upstreamProblem(status, "upstream_error")
}
