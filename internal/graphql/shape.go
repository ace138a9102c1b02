package graphql

import (
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
)

// shape is the structure of a parsed document, measured before validation in
// time linear in the document: each fragment is measured once and memoized,
// so a fragment spread a thousand times costs no more than one spread.
type shape struct {
	doc   *ast.QueryDocument
	frags map[string]*ast.FragmentDefinition
	depth map[string]int // fragment → depth of its selection set
	roots map[string]int // fragment → root fields it contributes
}

// docStats is what the limits are checked against, measured once per
// document and kept with it in the cache: a cached document is checked again
// for each caller, whose limits may differ (per-consumer overrides).
type docStats struct {
	lex          lexStats
	fragments    int
	aliases      int
	depth, roots []int // per operation, in document order
}

// measureShape measures a parsed document, refusing fragment cycles (which
// the later walks must never meet).
func measureShape(doc *ast.QueryDocument) (docStats, *Refusal) {
	st := docStats{fragments: len(doc.Fragments)}
	if ref := operationNames(doc); ref != nil {
		return st, ref
	}
	s := &shape{doc: doc, frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments))}
	for _, f := range doc.Fragments {
		if _, dup := s.frags[f.Name]; dup {
			return st, invalid(`There can be only one fragment named "` + f.Name + `".`)
		}
		s.frags[f.Name] = f
	}
	spreads := make(map[string][]string, len(doc.Fragments))
	for _, f := range doc.Fragments {
		st.aliases += scan(f.SelectionSet, func(name string) { spreads[f.Name] = append(spreads[f.Name], name) })
	}
	var used []string // spread by an operation, then reached from those
	for _, op := range doc.Operations {
		st.aliases += scan(op.SelectionSet, func(name string) { used = append(used, name) })
	}
	if name, cyclic := findCycle(doc.Fragments, s.frags, spreads); cyclic {
		return st, refuse(http.StatusBadRequest, "graphql_fragment_cycle",
			"Fragment "+strconvQuote(name)+" spreads itself, directly or through other fragments.")
	}
	if ref := fragmentUse(doc, s.frags, spreads, used); ref != nil {
		return st, ref
	}
	s.depth = make(map[string]int, len(doc.Fragments))
	s.roots = make(map[string]int, len(doc.Fragments))
	st.depth, st.roots = make([]int, len(doc.Operations)), make([]int, len(doc.Operations))
	for i, op := range doc.Operations {
		st.depth[i], st.roots[i] = s.depthOf(op.SelectionSet), s.rootsOf(op.SelectionSet)
	}
	return st, nil
}

// invalid is a refusal of what gqlparser's validator would refuse, where
// the guard checks it itself, with the validator's code and message.
func invalid(msg string) *Refusal {
	return refuse(http.StatusBadRequest, "graphql_validation_failed", msg)
}

// operationNames refuses what gqlparser's LoneAnonymousOperation and
// UniqueOperationNames rules do: an anonymous operation beside another, and
// two operations of one name.
func operationNames(doc *ast.QueryDocument) *Refusal {
	for i, op := range doc.Operations {
		if op.Name == "" {
			if len(doc.Operations) > 1 {
				return invalid("This anonymous operation must be the only defined operation.")
			}
			continue
		}
		for _, prev := range doc.Operations[:i] {
			if prev.Name == op.Name {
				return invalid(`There can be only one operation named "` + op.Name + `".`)
			}
		}
	}
	return nil
}

// fragmentUse refuses what gqlparser's KnownFragmentNames and
// NoUnusedFragments rules do: a spread of a fragment the document does not
// define, and a fragment no operation reaches. used are the operations'
// spreads; reaching the rest visits each fragment once.
func fragmentUse(doc *ast.QueryDocument, frags map[string]*ast.FragmentDefinition, spreads map[string][]string, used []string) *Refusal {
	for _, name := range used {
		if frags[name] == nil {
			return invalid(`Unknown fragment "` + name + `".`)
		}
	}
	for _, f := range doc.Fragments {
		for _, name := range spreads[f.Name] {
			if frags[name] == nil {
				return invalid(`Unknown fragment "` + name + `".`)
			}
		}
	}
	if len(doc.Fragments) == 0 {
		return nil
	}
	reached := make(map[string]bool, len(doc.Fragments))
	for len(used) > 0 {
		name := used[len(used)-1]
		used = used[:len(used)-1]
		if !reached[name] {
			reached[name] = true
			used = append(used, spreads[name]...)
		}
	}
	for _, f := range doc.Fragments {
		if !reached[f.Name] {
			return invalid(`Fragment "` + f.Name + `" is never used.`)
		}
	}
	return nil
}

// check refuses a document over one of l: its tokens, directives and
// nesting, then too many fragments and aliases, and, for every operation,
// too deep a selection or too many root fields.
func (st *docStats) check(l *Limits) *Refusal {
	switch {
	case st.lex.tokens > l.MaxTokens:
		return refuse(http.StatusBadRequest, "graphql_too_many_tokens",
			"The document has more tokens than this endpoint accepts.").with("limit", l.MaxTokens)
	case st.lex.directives > l.MaxDirectives:
		return refuse(http.StatusBadRequest, "graphql_too_many_directives",
			"The document uses more directives than this endpoint accepts.").with("limit", l.MaxDirectives)
	case st.lex.nesting > maxNesting(l):
		return refuse(http.StatusBadRequest, "graphql_too_deep",
			"The document nests deeper than this endpoint accepts.").with("limit", l.MaxDepth)
	}
	if ref := fragmentLimit(st.fragments, l); ref != nil {
		return ref
	}
	if st.aliases > l.MaxAliases {
		return refuse(http.StatusBadRequest, "graphql_too_many_aliases",
			"The document uses more aliases than this endpoint accepts.").with("limit", l.MaxAliases)
	}
	for i := range st.depth {
		if d := st.depth[i]; d > l.MaxDepth {
			return refuse(http.StatusBadRequest, "graphql_too_deep",
				"The operation nests fields deeper than this endpoint accepts.").with("depth", d).with("limit", l.MaxDepth)
		}
		if st.roots[i] > l.MaxRootFields {
			return refuse(http.StatusBadRequest, "graphql_too_many_root_fields",
				"The operation selects more root fields than this endpoint accepts.").with("limit", l.MaxRootFields)
		}
	}
	return nil
}

func fragmentLimit(n int, l *Limits) *Refusal {
	if n > l.MaxFragments {
		return refuse(http.StatusBadRequest, "graphql_too_many_fragments",
			"The document defines more fragments than this endpoint accepts.").with("limit", l.MaxFragments)
	}
	return nil
}

// scan counts the aliases of a selection set and reports each fragment
// spread, without recursion (the parser bounds nesting, but this needs no
// stack at all).
func scan(set ast.SelectionSet, spread func(string)) int {
	aliases := 0
	stack := []ast.SelectionSet{set}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, sel := range cur {
			switch x := sel.(type) {
			case *ast.Field:
				if x.Alias != "" && x.Alias != x.Name {
					aliases++
				}
				if len(x.SelectionSet) > 0 {
					stack = append(stack, x.SelectionSet)
				}
			case *ast.InlineFragment:
				stack = append(stack, x.SelectionSet)
			case *ast.FragmentSpread:
				spread(x.Name)
			}
		}
	}
	return aliases
}

// findCycle reports a fragment that reaches itself through spreads, with an
// iterative depth-first search (each fragment and spread visited once).
func findCycle(frags ast.FragmentDefinitionList, known map[string]*ast.FragmentDefinition, spreads map[string][]string) (string, bool) {
	const (
		unseen = iota
		active
		done
	)
	color := make(map[string]int, len(frags))
	type frame struct {
		name string
		next int
	}
	for _, f := range frags {
		if color[f.Name] != unseen {
			continue
		}
		stack := []frame{{name: f.Name}}
		color[f.Name] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			out := spreads[top.name]
			if top.next == len(out) {
				color[top.name] = done
				stack = stack[:len(stack)-1]
				continue
			}
			to := out[top.next]
			top.next++
			switch color[to] {
			case active:
				return to, true
			case unseen:
				if known[to] != nil {
					color[to] = active
					stack = append(stack, frame{name: to})
				}
			}
		}
	}
	return "", false
}

// depthOf is the field depth of a selection set; fragments are memoized. It
// runs only on cycle-free documents; its recursion is bounded by the lexical
// nesting limit times the number of fragments.
func (s *shape) depthOf(set ast.SelectionSet) int {
	d := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			d = max(d, 1+s.depthOf(x.SelectionSet))
		case *ast.InlineFragment:
			d = max(d, s.depthOf(x.SelectionSet))
		case *ast.FragmentSpread:
			d = max(d, s.fragDepth(x.Name))
		}
	}
	return d
}

func (s *shape) fragDepth(name string) int {
	if d, ok := s.depth[name]; ok {
		return d
	}
	f := s.frags[name]
	if f == nil {
		return 0 // unknown fragment: validation refuses it
	}
	s.depth[name] = 0
	d := s.depthOf(f.SelectionSet)
	s.depth[name] = d
	return d
}

// rootsOf counts the fields a selection set contributes at its own level,
// through inline fragments and spreads (with multiplicity, saturating).
func (s *shape) rootsOf(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			n = satAdd(n, 1)
		case *ast.InlineFragment:
			n = satAdd(n, s.rootsOf(x.SelectionSet))
		case *ast.FragmentSpread:
			if v, ok := s.roots[x.Name]; ok {
				n = satAdd(n, v)
				continue
			}
			f := s.frags[x.Name]
			if f == nil {
				continue
			}
			s.roots[x.Name] = 0
			v := s.rootsOf(f.SelectionSet)
			s.roots[x.Name] = v
			n = satAdd(n, v)
		}
	}
	return n
}

const maxCount = 1 << 40

func satAdd(a, b int) int { return min(a+b, maxCount) }

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxCount/b {
		return maxCount
	}
	return min(a*b, maxCount)
}
