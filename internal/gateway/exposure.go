package gateway

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/filter/codec"
	"github.com/bulwark-gw/bulwark/internal/filter/media"
	"github.com/bulwark-gw/bulwark/internal/filter/sanitize"
	"github.com/bulwark-gw/bulwark/internal/filter/sensitive"
	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// errorExcerpt bounds what of a sanitized upstream error reaches the diagnostic log.
const errorExcerpt = 2048

// exposureEntry is a route's compiled response guards.
type exposureEntry struct {
	cfg       config.Response
	allow     *shape.Tree // allow-list and views (no document)
	deny      []shape.Path
	sensitive sensitive.Policy
	doc       *openapi.Doc // contract filtering
	opMethod  string
	opPath    string
	views     []config.View
	media     media.Policy
	contract  sync.Map // status → contractTree
}

// contractTree is the document's tree for one status; declared is false when
// the document declares no JSON schema for it (nor its range, nor default).
type contractTree struct {
	t        *shape.Tree
	declared bool
}

func buildExposure(c config.Response, doc *openapi.Doc, methods []string, routePath string) (*exposureEntry, error) {
	e := &exposureEntry{cfg: c, views: c.Views}
	var err error
	if e.media, err = media.NewPolicy(c.PassMediaTypes); err != nil {
		return nil, fmt.Errorf("response.pass_media_types: %w", err)
	}
	if len(c.Allow) > 0 {
		paths := append([]string(nil), c.Allow...)
		if e.allow, err = shape.FromPaths(paths); err != nil {
			return nil, fmt.Errorf("response.allow: %w", err)
		}
		if err := addViews(e.allow, c.Views); err != nil {
			return nil, err
		}
	}
	for _, d := range c.Deny {
		p, err := shape.CompilePath(d)
		if err != nil {
			return nil, fmt.Errorf("response.deny %q: %w", d, err)
		}
		e.deny = append(e.deny, p)
	}
	if len(c.Sensitive) > 0 {
		e.sensitive = sensitive.Policy{}
		for k, a := range c.Sensitive {
			e.sensitive[sensitive.Kind(k)] = sensitiveAction(a)
		}
	}
	if c.Contract && doc != nil {
		method := "GET"
		if len(methods) > 0 {
			method = methods[0]
		}
		op, ok := doc.Match(method, routePath)
		if !ok {
			return nil, fmt.Errorf("response.contract: the OpenAPI document has no operation %s %s", method, routePath)
		}
		e.doc, e.opMethod, e.opPath = doc, op.Method, op.Path
	}
	return e, nil
}

func sensitiveAction(a string) sensitive.Action {
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

// addViews lets callers holding a view's roles see its extra fields.
func addViews(t *shape.Tree, views []config.View) error {
	for _, v := range views {
		extra, err := shape.FromPaths(v.Allow)
		if err != nil {
			return fmt.Errorf("response.views: %w", err)
		}
		mergeTree(t, extra, v.Roles)
	}
	return nil
}

// mergeTree adds src's fields to dst, restricted to roles where dst lacks them.
func mergeTree(dst, src *shape.Tree, roles []string) {
	if src.Open {
		dst.Open = true
		return
	}
	if dst.Props == nil && len(src.Props) > 0 {
		dst.Props = map[string]*shape.Tree{}
	}
	for name, sub := range src.Props {
		if have, ok := dst.Props[name]; ok {
			mergeTree(have, sub, roles)
			continue
		}
		cp := *sub
		cp.Roles = append([]string(nil), roles...)
		dst.Props[name] = &cp
	}
	if src.Items != nil {
		if dst.Items == nil {
			cp := *src.Items
			dst.Items = &cp
		} else {
			mergeTree(dst.Items, src.Items, roles)
		}
	}
}

// treeFor returns the tree for a status (cached for a document); declared is
// false when the document declares no schema for the status.
func (e *exposureEntry) treeFor(status int) (t *shape.Tree, declared bool) {
	if e.doc == nil {
		return e.allow, true
	}
	if c, ok := e.contract.Load(status); ok {
		return c.(contractTree).t, c.(contractTree).declared
	}
	c := contractTree{}
	if f := e.doc.ResponseFields(e.opMethod, e.opPath, status); f != nil {
		c.t, c.declared = fieldsTree(f), true
		_ = addViews(c.t, e.views) // paths were checked at build
	}
	e.contract.Store(status, c)
	return c.t, c.declared
}

// fieldsTree converts the document's declared properties; x-bulwark-roles on a
// property makes it visible to those roles only.
func fieldsTree(f *openapi.Fields) *shape.Tree {
	t := &shape.Tree{Open: f.Open}
	if len(f.Props) > 0 {
		t.Props = make(map[string]*shape.Tree, len(f.Props))
		for name, sub := range f.Props {
			st := fieldsTree(sub)
			if roles, ok := sub.Extensions["x-bulwark-roles"].([]any); ok {
				for _, r := range roles {
					if s, ok := r.(string); ok {
						st.Roles = append(st.Roles, s)
					}
				}
			}
			t.Props[name] = st
		}
	}
	if f.Items != nil {
		t.Items = fieldsTree(f.Items)
	}
	return t
}

// exposureGuard runs on the upstream's answer: it removes server-identifying
// headers, sets the security headers, replaces leaky error bodies and, on a
// route with body guards, filters every body of every status or refuses it
// (filterBody). Answers that carry no body pass with their headers.
func (g *Gateway) exposureGuard(st *state, e *exposureEntry, p *principal.Principal, ev *audit.Event, reqID string) func(*http.Response) error {
	return func(resp *http.Response) error {
		h := resp.Header
		h.Del("Server")
		h.Del("X-Powered-By")
		if sh := st.plan.Server.SecurityHeaders; sh.Enabled {
			for k, v := range sh.Set {
				if h.Get(k) == "" {
					h.Set(k, v)
				}
			}
			if p != nil && h.Get("Cache-Control") == "" {
				h.Set("Cache-Control", "no-store") // an authenticated answer must not land in shared caches
			}
		}
		if e == nil {
			return nil
		}
		if bodiless(resp) {
			if e.filters() {
				// The length of a body the guards would have cut says nothing true.
				h.Del("Content-Length")
			}
			return nil
		}
		if s := resp.StatusCode; s >= 500 && e.cfg.SanitizeErrors || s >= 400 && s < 500 && e.cfg.Sanitize4xx {
			if err := g.sanitizeError(resp, ev, reqID); err != nil {
				return err
			}
		}
		if e.filters() { // every status: an error body leaks as well as a 200
			return g.filterBody(resp, e, p, ev)
		}
		return nil
	}
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

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func (e *exposureEntry) filters() bool {
	return e.allow != nil || e.doc != nil || len(e.deny) > 0 || len(e.sensitive) > 0
}

// sanitizeError replaces an upstream error body that leaks internals with a
// generic problem; the original goes, truncated, to the diagnostic log only.
func (g *Gateway) sanitizeError(resp *http.Response, ev *audit.Event, reqID string) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		resp.Body.Close()
		return upstreamProblem(resp.StatusCode, "upstream_error")
	}
	// Every Content-Encoding line counts: the client undoes them all.
	enc := strings.Join(resp.Header.Values("Content-Encoding"), ", ")
	body, derr := codec.Decode(bytes.NewReader(raw), enc, 1<<20)
	if derr != nil {
		// A body that cannot be decoded cannot be checked; the client (or an
		// attacker) may still decode it, so it is replaced like a leaky one.
		resp.Body.Close()
		g.logger.Warn("upstream error body replaced", "request_id", reqID, "status", resp.StatusCode,
			"leaks", "undecodable") // not derr: it can quote the upstream's Content-Encoding
		ev.Rule = "sanitize_errors"
		return upstreamProblem(resp.StatusCode, "upstream_error")
	}
	leaks := sanitize.Detect(body)
	if len(leaks) == 0 {
		unread(resp, raw) // clean: the client gets the whole answer, the part read and the rest
		return nil
	}
	resp.Body.Close()
	kinds := make([]string, len(leaks))
	for i, l := range leaks {
		kinds[i] = string(l)
	}
	g.logger.Warn("upstream error body replaced", "request_id", reqID, "status", resp.StatusCode,
		"leaks", strings.Join(kinds, ","), "excerpt", sanitize.Excerpt(body, errorExcerpt))
	ev.Rule = "sanitize_errors"
	return upstreamProblem(resp.StatusCode, "upstream_error")
}

// unread puts raw, read from the front of resp.Body, back in front of the rest.
func unread(resp *http.Response, raw []byte) {
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), resp.Body), resp.Body}
}

func upstreamProblem(status int, code string) *httperr.Problem {
	p := httperr.New(status, code, "")
	if status < 500 {
		p.Detail = "The request could not be completed."
	}
	return p
}

// noteFindings records the kinds of sensitive values found (never the values).
func noteFindings(ev *audit.Event, kinds []string) {
	if len(kinds) == 0 {
		return
	}
	sort.Strings(kinds)
	ev.Rule = "sensitive:" + strings.Join(kinds, ",")
}
