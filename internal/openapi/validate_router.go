package openapi

import (
	"regexp"
	"slices"
	"strings"
)

// Bounds on request routing. maxRouteWork caps the nodes one lookup visits,
// so a document whose templates make the backtracking search combinatorial
// ("/{a}/{b}/x", "/{a}/y/{c}", ...) cannot turn a request into a CPU sink; a
// lookup that runs out of budget finds nothing (404 in strict mode).
// maxRouteMatches caps the paths gathered for a 405's Allow header.
const (
	maxRouteWork    = 512
	maxRouteMatches = 16
)

// router maps a request path to the document path template it belongs to. It
// is built once by NewValidator and read concurrently.
//
// Precedence follows OpenAPI ("concrete paths are matched before their
// templated counterparts"), segment by segment from the left: a literal
// segment beats a segment mixing literals and parameters ("{name}.{ext}"),
// which beats a whole-segment parameter. A request that only matches a less
// specific template further right still reaches it: the search backtracks.
type router struct {
	root rnode
}

// rnode is one segment position of the template trie.
type rnode struct {
	lit   map[string]*rnode
	mixed []mixedEdge // in document path order
	param *rnode      // a whole-segment "{name}"
	end   *endpoint   // a template ends here
}

// mixedEdge is a segment such as "{name}.{ext}": a regexp with one capture per
// parameter, matched against the whole segment.
type mixedEdge struct {
	src  string
	re   *regexp.Regexp
	next *rnode
}

// endpoint is one document path: its template, the names of its parameters in
// capture order, and its operations by upper-case method.
type endpoint struct {
	path  string
	names []string
	ops   map[string]*opEntry
	allow []string // declared methods, sorted, with HEAD when GET is declared
}

// add registers the template path, returning its endpoint. Two templates that
// differ only by a trailing slash share one endpoint.
func (r *router) add(path string) *endpoint {
	n := &r.root
	var names []string
	for seg := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		n, names = n.child(seg, names)
	}
	if n.end == nil {
		n.end = &endpoint{path: path, names: names, ops: map[string]*opEntry{}}
	}
	return n.end
}

// child returns the node below n for the template segment seg, creating it,
// and appends the segment's parameter names to names.
func (n *rnode) child(seg string, names []string) (*rnode, []string) {
	if !strings.ContainsAny(seg, "{}") {
		return n.literal(seg), names
	}
	if seg[0] == '{' && seg[len(seg)-1] == '}' && strings.Count(seg, "{") == 1 {
		if n.param == nil {
			n.param = &rnode{}
		}
		return n.param, append(names, seg[1:len(seg)-1])
	}
	src, segNames := mixedPattern(seg)
	for _, m := range n.mixed {
		if m.src == src {
			return m.next, append(names, segNames...)
		}
	}
	// mixedPattern quotes every literal, so the expression always compiles.
	re, err := regexp.Compile(src)
	if err != nil {
		return n.literal(seg), names
	}
	m := mixedEdge{src: src, re: re, next: &rnode{}}
	n.mixed = append(n.mixed, m)
	return m.next, append(names, segNames...)
}

// literal returns the literal child seg of n, creating it.
func (n *rnode) literal(seg string) *rnode {
	if n.lit == nil {
		n.lit = map[string]*rnode{}
	}
	if n.lit[seg] == nil {
		n.lit[seg] = &rnode{}
	}
	return n.lit[seg]
}

// mixedPattern turns a segment such as "{name}.{ext}" into an anchored
// expression capturing each parameter (non-empty, lazily) and the names.
func mixedPattern(seg string) (string, []string) {
	var b strings.Builder
	var names []string
	b.WriteByte('^')
	for seg != "" {
		open := strings.IndexByte(seg, '{')
		end := -1
		if open >= 0 {
			end = strings.IndexByte(seg[open:], '}')
		}
		if open < 0 || end < 0 {
			b.WriteString(regexp.QuoteMeta(seg))
			break
		}
		b.WriteString(regexp.QuoteMeta(seg[:open]))
		b.WriteString("(.+?)")
		names = append(names, seg[open+1:open+end])
		seg = seg[open+end+1:]
	}
	b.WriteByte('$')
	return b.String(), names
}

// routeMatch is the outcome of a lookup.
type routeMatch struct {
	ep   *endpoint
	vals []string // parameter values, in ep.names order
}

// lookup returns the most specific endpoint declaring method at path, with its
// parameter values. When no matching path declares method, it returns the
// union of the methods the matching paths declare (for a 405), or nothing.
func (r *router) lookup(method, path string) (routeMatch, []string) {
	var (
		found   routeMatch
		matched []*endpoint
		budget  = maxRouteWork
		vals    [8]string
	)
	r.root.walk(path, vals[:0], &budget, func(ep *endpoint, vals []string) bool {
		if ep.op(method) != nil {
			found = routeMatch{ep: ep, vals: slices.Clone(vals)}
			return true
		}
		matched = append(matched, ep)
		return len(matched) >= maxRouteMatches
	})
	if found.ep != nil || len(matched) == 0 {
		return found, nil
	}
	var allow []string
	for _, ep := range matched {
		allow = append(allow, ep.allow...)
	}
	slices.Sort(allow)
	return found, slices.Compact(allow)
}

// walk visits, in precedence order, every endpoint matching rest below n and
// calls fn with the values captured so far; it stops when fn returns true or
// the budget is spent, and reports whether it stopped. Empty segments are
// skipped, so "/a/" matches "/a" (the canonical path has no others).
func (n *rnode) walk(rest string, vals []string, budget *int, fn func(*endpoint, []string) bool) bool {
	if *budget--; *budget < 0 {
		return true
	}
	rest = strings.TrimLeft(rest, "/")
	if rest == "" {
		return n.end != nil && fn(n.end, vals)
	}
	seg, tail, _ := strings.Cut(rest, "/")
	if c := n.lit[seg]; c != nil && c.walk(tail, vals, budget, fn) {
		return true
	}
	for _, m := range n.mixed {
		sub := m.re.FindStringSubmatch(seg)
		if sub != nil && m.next.walk(tail, append(vals, sub[1:]...), budget, fn) {
			return true
		}
	}
	return n.param != nil && n.param.walk(tail, append(vals, seg), budget, fn)
}

// op returns the operation for method (any case). HEAD falls back to GET when
// the document does not declare HEAD: a HEAD is a GET without the body (RFC
// 9110 §9.3.2), and leaving it unvalidated would let it skip the GET's checks.
func (ep *endpoint) op(method string) *opEntry {
	if e := ep.ops[method]; e != nil {
		return e
	}
	m := strings.ToUpper(method)
	if e := ep.ops[m]; e != nil {
		return e
	}
	if m == "HEAD" {
		return ep.ops["GET"]
	}
	return nil
}

// finish computes the endpoint's Allow list once every operation is added.
func (ep *endpoint) finish() {
	ep.allow = ep.allow[:0]
	for m := range ep.ops {
		ep.allow = append(ep.allow, m)
	}
	if ep.ops["GET"] != nil && ep.ops["HEAD"] == nil {
		ep.allow = append(ep.allow, "HEAD")
	}
	slices.Sort(ep.allow)
}
