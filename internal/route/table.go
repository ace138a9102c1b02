package route

import (
	"errors"
	"fmt"
	"slices"
)

// Result is the outcome of [Table.Match].
type Result int

// Results of [Table.Match].
const (
	Found            Result = iota // a route matched host, method and path
	MethodNotAllowed               // the path matched, but only routes of other methods
	NotFound                       // no route matched the path
)

// Param is one path parameter: its template name and its canonical (decoded) value.
type Param struct{ Name, Value string }

// Match is the route a request matched. Reuse one per request (for example from a
// sync.Pool) so Params keeps its capacity and matching does not allocate.
type Match struct {
	Index  int     // index into the specs given to NewTable; -1 when not Found
	Params []Param // in template order; values from the canonical path
}

// Param returns the value of the named path parameter.
func (m *Match) Param(name string) (string, bool) {
	for _, p := range m.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// SpecError reports an invalid spec given to [NewTable].
type SpecError struct {
	Index int // index of the spec
	Err   error
}

func (e *SpecError) Error() string { return fmt.Sprintf("route %d: %v", e.Index, e.Err) }

// Unwrap returns the underlying error.
func (e *SpecError) Unwrap() error { return e.Err }

// OverlapError reports two specs that [Overlap]; First < Second.
type OverlapError struct{ First, Second int }

func (e *OverlapError) Error() string {
	return fmt.Sprintf("routes %d and %d overlap: same host, a shared method and the same path shape", e.First, e.Second)
}

// hostGroup is the trie of the routes sharing one host pattern.
type hostGroup = node

// Table is an immutable route table, safe for concurrent use.
type Table struct {
	exact  map[string]*hostGroup // by exact host
	wild   map[string]*hostGroup // by wildcard suffix ("example.com" for "*.example.com")
	any    *hostGroup            // routes without a host; nil when none
	params [][]string            // param names per route index
	tmpls  []*Template
}

// NewTable builds a table from specs. Every invalid spec ([SpecError]) and every
// overlapping pair ([OverlapError]) is reported, joined in one error.
func NewTable(specs []Spec) (*Table, error) {
	t := &Table{
		exact:  make(map[string]*hostGroup),
		wild:   make(map[string]*hostGroup),
		params: make([][]string, len(specs)),
		tmpls:  make([]*Template, len(specs)),
	}
	var errs []error
	for i, s := range specs {
		c, err := compile(s)
		if err != nil {
			errs = append(errs, &SpecError{Index: i, Err: err})
			continue
		}
		t.params[i], t.tmpls[i] = c.tmpl.params, c.tmpl
		ep := t.group(c.host).insert(c.tmpl)
		if other, ok := ep.add(i, c.methods); !ok {
			errs = append(errs, &OverlapError{First: other, Second: i})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, g := range t.exact {
		g.finish()
	}
	for _, g := range t.wild {
		g.finish()
	}
	if t.any != nil {
		t.any.finish()
	}
	return t, nil
}

// group returns (creating) the trie for host pattern h.
func (t *Table) group(h hostPattern) *hostGroup {
	m := t.exact
	switch {
	case h.any:
		if t.any == nil {
			t.any = &node{}
		}
		return t.any
	case h.wildcard:
		m = t.wild
	}
	g := m[h.name]
	if g == nil {
		g = &node{}
		m[h.name] = g
	}
	return g
}

// Len returns the number of routes.
func (t *Table) Len() int { return len(t.tmpls) }

// Template returns the parsed template of route i.
func (t *Table) Template(i int) *Template { return t.tmpls[i] }

// Match finds the best route for host (may carry ":port"), method and canonical
// path (the output of [Canonicalize]), filling m. On [MethodNotAllowed], allow is
// the sorted Allow list (HEAD included when GET is allowed); it is shared and must
// not be modified. Precedence is described in the package documentation.
func (t *Table) Match(host, method, path string, m *Match) (res Result, allow []string) {
	m.Index, m.Params = -1, m.Params[:0]
	if path == "" || path[0] != '/' {
		return NotFound, nil
	}
	var st walkState
	h := requestHost(host)
	for i := 0; i < 3; i++ {
		g := t.groupFor(i, h)
		if g != nil && t.walk(g, path, 1, method, m, &st) {
			return Found, nil
		}
	}
	switch {
	case st.first == nil:
		return NotFound, nil
	case !st.multi:
		return MethodNotAllowed, st.first.allow
	}
	return MethodNotAllowed, t.allowUnion(h, path)
}

// MatchPreflight finds the route a CORS preflight asking for method is about:
// the route that serves method or, when the path has routes for other methods
// only, the one found through the first method allowed there, so that its
// CORS section answers (and refuses the method). It reports whether a route
// was found, filling m.
func (t *Table) MatchPreflight(host, method, path string, m *Match) bool {
	res, allow := t.Match(host, method, path, m)
	if res == MethodNotAllowed && len(allow) > 0 {
		res, _ = t.Match(host, allow[0], path, m)
	}
	return res == Found
}

// groupFor returns the host groups in precedence order: exact, wildcard, any.
func (t *Table) groupFor(i int, h string) *hostGroup {
	switch i {
	case 0:
		return t.exact[h]
	case 1:
		if s := wildcardSuffix(h); s != "" {
			return t.wild[s]
		}
		return nil
	}
	return t.any
}

// walkState remembers endpoints whose path matched but whose methods did not.
type walkState struct {
	first   *endpoint
	multi   bool
	collect []*endpoint // only when computing an Allow union
	all     bool
}

func (st *walkState) miss(e *endpoint) {
	switch {
	case st.all:
		st.collect = append(st.collect, e)
	case st.first == nil:
		st.first = e
	case st.first != e:
		st.multi = true
	}
}

// walk matches path[pos:] below n, literal before param before **, backtracking.
// Each trie node is visited at most once, so a match costs O(trie size) at worst.
func (t *Table) walk(n *node, path string, pos int, method string, m *Match, st *walkState) bool {
	if pos >= len(path) {
		return t.try(n.end, method, m, st) || t.try(n.glob, method, m, st)
	}
	seg, next := nextSegment(path, pos)
	if c := n.child(seg); c != nil && t.walk(c, path, next, method, m, st) {
		return true
	}
	if n.param != nil && seg != "" {
		k := len(m.Params)
		m.Params = append(m.Params, Param{Value: seg})
		if t.walk(n.param, path, next, method, m, st) {
			return true
		}
		m.Params = m.Params[:k]
	}
	return t.try(n.glob, method, m, st)
}

// try completes a match at endpoint e when it serves method.
func (t *Table) try(e *endpoint, method string, m *Match, st *walkState) bool {
	if e == nil {
		return false
	}
	idx := -1
	if !st.all {
		idx = e.lookup(method)
	}
	if idx < 0 {
		st.miss(e)
		return false
	}
	names := t.params[idx]
	for i := range m.Params {
		m.Params[i].Name = names[i]
	}
	m.Index = idx
	return true
}

// allowUnion walks every host group collecting all endpoints the path reaches and
// returns the union of their Allow lists. Only for 405s spanning several templates.
func (t *Table) allowUnion(h, path string) []string {
	st := walkState{all: true}
	var scratch Match
	for i := 0; i < 3; i++ {
		if g := t.groupFor(i, h); g != nil {
			t.walk(g, path, 1, "", &scratch, &st)
		}
	}
	var out []string
	for _, e := range st.collect {
		out = append(out, e.allow...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
