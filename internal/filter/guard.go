package filter

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/filter/media"
	"github.com/bulwark-gw/bulwark/internal/filter/sensitive"
	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/openapi"
)

// Deps are what a Guard is built with besides its Options.
type Deps struct {
	// Headers are the server's security headers, set on every answer.
	Headers SecurityHeaders
	// Doc is the API's OpenAPI document (nil: none). With Options.Contract,
	// the route's operation in it (its first method, else GET, and Path)
	// declares the fields an answer may carry.
	Doc     *openapi.Doc
	Methods []string
	Path    string
	// Logger receives what the guard replaced or passed unfiltered; nil
	// discards it.
	Logger *slog.Logger
}

// Guard is one route's response guards, built once per configuration and
// safe for concurrent use.
type Guard struct {
	o       Options
	secure  bool          // security headers on (SecurityHeaders.Enabled)
	headers []fixedHeader // the security headers, values built once
	body    bool          // any body guard configured (Options.Active)
	allow   *shape.Tree   // allow-list and views (no document)
	deny    []shape.Path
	policy  *sensitive.Compiled // nil: no sensitive-value scan
	doc     *openapi.Doc        // contract filtering
	op      struct{ method, path string }
	media   media.Policy
	logger  *slog.Logger

	contract sync.Map // status → contractTree
}

// contractTree is the document's tree for one status; declared is false when
// the document declares no JSON schema for it (nor its range, nor default).
type contractTree struct {
	t        *shape.Tree
	declared bool
}

// New builds a route's response guards. Without an active Options, the
// guard only sets the security headers.
func New(o Options, d Deps) (*Guard, error) {
	g := &Guard{o: o, secure: d.Headers.Enabled, headers: fixedHeaders(d.Headers), body: o.Active(), logger: d.Logger}
	if g.logger == nil {
		g.logger = slog.New(slog.DiscardHandler)
	}
	if !g.body {
		return g, nil
	}
	var err error
	if g.media, err = media.NewPolicy(o.PassMediaTypes); err != nil {
		return nil, fmt.Errorf("response.pass_media_types: %w", err)
	}
	if len(o.Allow) > 0 {
		if g.allow, err = shape.FromPaths(append([]string(nil), o.Allow...)); err != nil {
			return nil, fmt.Errorf("response.allow: %w", err)
		}
		if err := addViews(g.allow, o.Views); err != nil {
			return nil, err
		}
		g.allow.Seal() // complete: read-only from here on
	}
	for _, s := range o.Deny {
		p, err := shape.CompilePath(s)
		if err != nil {
			return nil, fmt.Errorf("response.deny %q: %w", s, err)
		}
		g.deny = append(g.deny, p)
	}
	if len(o.Sensitive) > 0 {
		p := sensitive.Policy{}
		for k, a := range o.Sensitive {
			p[sensitive.Kind(k)] = action(a)
		}
		// Compiled once here, not on every answer.
		if g.policy, err = p.Compile(); err != nil {
			return nil, fmt.Errorf("response.sensitive: %w", err)
		}
	}
	if o.Contract && d.Doc != nil {
		method := "GET"
		if len(d.Methods) > 0 {
			method = d.Methods[0]
		}
		op, ok := d.Doc.Match(method, d.Path)
		if !ok {
			return nil, fmt.Errorf("response.contract: the OpenAPI document has no operation %s %s", method, d.Path)
		}
		g.doc, g.op.method, g.op.path = d.Doc, op.Method, op.Path
	}
	return g, nil
}

// action reads a validated sensitive action; anything else is off.
func action(a string) sensitive.Action {
	switch a {
	case "redact":
		return sensitive.Redact
	case "block":
		return sensitive.Block
	case "monitor":
		return sensitive.Monitor
	}
	return sensitive.Off
}

// filters reports whether a body guard that cuts or scans JSON is on.
func (g *Guard) filters() bool {
	return g.allow != nil || g.doc != nil || len(g.deny) > 0 || g.policy != nil
}

// Response returns the guard for the upstream's answer to x: it removes
// server-identifying headers, sets the security headers, replaces leaky
// error bodies and, on a route with body guards, filters every body of every
// status or refuses it. Answers that carry no body pass with their headers.
// What it decided is noted on x; a refusal is a *httperr.Problem.
func (g *Guard) Response(x *exchange.Exchange) func(*http.Response) error {
	return func(resp *http.Response) error { return g.respond(resp, x) }
}

func (g *Guard) respond(resp *http.Response, x *exchange.Exchange) error {
	h := resp.Header
	h.Del("Server")
	h.Del("X-Powered-By")
	if g.secure {
		for _, f := range g.headers {
			if v := h[f.key]; len(v) == 0 || v[0] == "" {
				h[f.key] = f.val
			}
		}
		if x.Principal != nil {
			if v := h["Cache-Control"]; len(v) == 0 || v[0] == "" {
				h["Cache-Control"] = noStore // an authenticated answer must not land in shared caches
			}
		}
	}
	if !g.body {
		return nil
	}
	if bodiless(resp) {
		if g.filters() {
			// The length of a body the guards would have cut says nothing true.
			h.Del("Content-Length")
		}
		return nil
	}
	s := resp.StatusCode
	sanitize := s >= 500 && g.o.SanitizeErrors || s >= 400 && s < 500 && g.o.Sanitize4xx
	if g.filters() { // every status: an error body leaks as well as a 200
		return g.filterBody(resp, x, sanitize)
	}
	if sanitize {
		return g.sanitizeError(resp, x)
	}
	return nil
}

// fixedHeader is one security header: its canonical name and its value as a
// one-element slice shared by every answer. Assigning it to a header map
// costs no allocation; nothing in the response path writes into a header
// value in place (Header.Add appends, which copies a full slice).
type fixedHeader struct {
	key string
	val []string
}

// noStore is Cache-Control for authenticated answers, shared like fixedHeader.
var noStore = []string{"no-store"}

// fixedHeaders builds the security headers once per route; nil when they
// are off.
func fixedHeaders(s SecurityHeaders) []fixedHeader {
	if !s.Enabled {
		return nil
	}
	out := make([]fixedHeader, 0, len(s.Set))
	for k, v := range s.Set {
		out = append(out, fixedHeader{key: textproto.CanonicalMIMEHeaderKey(k), val: []string{v}})
	}
	slices.SortFunc(out, func(a, b fixedHeader) int { return strings.Compare(a.key, b.key) })
	return out
}

// bodiless reports whether resp carries no body by definition: the answer to
// HEAD, 1xx, 204 and 304 (RFC 9110 §6.4.1). The proxy drops any bytes an
// upstream sends with them. A 205 is not among them: Go reads and forwards a
// body sent with it, so it is filtered like any answer.
func bodiless(resp *http.Response) bool {
	s := resp.StatusCode
	return resp.Request != nil && resp.Request.Method == http.MethodHead ||
		s < 200 || s == http.StatusNoContent || s == http.StatusNotModified
}
