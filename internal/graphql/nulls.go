package graphql

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// Nulls is where "null" mode puts null in the answer: per operation, the
// response paths of each field left out of the request. The upstream never
// sees those fields (they carry @skip(if: true)); the answer gets null in
// their place and, per the GraphQL spec's error shape, one error per null
// with the path to it (["me","orders",0,"secret"]). A null in a non-null
// field propagates to the nearest nullable parent, as an executor would.
type Nulls struct {
	ops  [][]nullPath
	keys [][]string // Decision.Denied
}

// nullPath is the path, in response keys, to one selection of a field left
// out. Lists on the way are expanded when the answer is read.
type nullPath struct {
	field string    // Type.field, for the error
	segs  []nullSeg // from the operation's root; the last is the field itself
}

// nullSeg is one field on the way: its response key and type, and the type
// an object must have (its __typename) for the selection to apply, when a
// fragment narrowed the parent's type.
type nullSeg struct {
	key  string
	typ  *ast.Type
	cond string
}

// Limits of the null plan: a request whose denied fields are reached by more
// selections is refused rather than half answered, and an answer names at
// most maxNullErrors nulls one by one.
const (
	maxNullVisits = 10000
	maxNullPaths  = 100
	maxNullErrors = 100
)

// nullPaths finds the response paths of the fields in denied within op,
// through fragments; false when there are too many to follow.
func nullPaths(s *ast.Schema, op *ast.OperationDefinition, denied map[*ast.Field]string) ([]nullPath, bool) {
	w := nullWalk{denied: denied}
	root := s.Query
	switch op.Operation {
	case ast.Mutation:
		root = s.Mutation
	case ast.Subscription:
		root = s.Subscription
	}
	if root == nil {
		return nil, true
	}
	w.set(op.SelectionSet, root.Name, "", nil)
	return w.out, !w.over
}

type nullWalk struct {
	denied map[*ast.Field]string
	visits int
	out    []nullPath
	over   bool
}

func (w *nullWalk) set(set ast.SelectionSet, parent, cond string, prefix []nullSeg) {
	for _, sel := range set {
		if w.visits++; w.visits > maxNullVisits || len(w.out) > maxNullPaths {
			w.over = true
			return
		}
		switch x := sel.(type) {
		case *ast.Field:
			if x.Definition == nil {
				continue
			}
			key := x.Alias
			if key == "" {
				key = x.Name
			}
			seg := nullSeg{key: key, typ: x.Definition.Type, cond: cond}
			path := append(slices.Clip(prefix), seg)
			if name, ok := w.denied[x]; ok {
				w.out = append(w.out, nullPath{field: name, segs: path})
				continue
			}
			if len(x.SelectionSet) > 0 {
				w.set(x.SelectionSet, x.Definition.Type.Name(), "", path)
			}
		case *ast.InlineFragment:
			if conditional(x.Directives) {
				continue // the client's own condition: its fields may be absent by design
			}
			w.set(x.SelectionSet, narrowed(parent, x.TypeCondition), narrowCond(parent, cond, x.TypeCondition), prefix)
		case *ast.FragmentSpread:
			if conditional(x.Directives) || x.Definition == nil {
				continue
			}
			t := x.Definition.TypeCondition
			w.set(x.Definition.SelectionSet, narrowed(parent, t), narrowCond(parent, cond, t), prefix)
		}
	}
}

func conditional(ds ast.DirectiveList) bool {
	return ds.ForName("skip") != nil || ds.ForName("include") != nil
}

func narrowed(parent, t string) string {
	if t == "" {
		return parent
	}
	return t
}

// narrowCond is the __typename an object needs for a fragment on t to apply
// within parent: none when t is parent itself.
func narrowCond(parent, cond, t string) string {
	if t == "" || t == parent {
		return cond
	}
	return t
}

// nullEdit replaces data[start:end] with text (an insertion when start ==
// end).
type nullEdit struct {
	start, end int
	text       string
}

// nullAnswer applies paths to data (the answer's data member): each field
// left out becomes null where its parent object is in the answer. It
// returns the new data, one error per null (at most maxNullErrors, then
// one that counts the rest) and, per field, whether any null was placed.
type nullAnswer struct {
	ix      *jsonread.Index
	edits   []nullEdit
	inserts map[int][]string // object → keys to add as null
	errs    []map[string]any
	more    int
	placed  map[string]bool
}

func applyNulls(data []byte, paths []nullPath) ([]byte, []map[string]any, map[string]bool, error) {
	ix, err := jsonread.Parse(data, jsonread.Options{AllowInvalidUTF8: true})
	if err != nil {
		return nil, nil, nil, err
	}
	defer ix.Release()
	a := &nullAnswer{ix: ix, inserts: map[int][]string{}, placed: map[string]bool{}}
	if ix.Kind(0) == jsonread.Object {
		for _, p := range paths {
			if a.object(0, p, 0, nil) {
				a.replace(0) // a non-null root field: data becomes null
			}
		}
	}
	if a.more > 0 {
		a.errs = append(a.errs, map[string]any{
			"message":    "More fields the caller may not query were left out and answered null.",
			"extensions": map[string]any{"code": "graphql_field_forbidden", "more": a.more}})
	}
	return a.render(data), a.errs, a.placed, nil
}

// object applies segs[i:] to object o; true when o must become null.
func (a *nullAnswer) object(o int, p nullPath, i int, path []any) bool {
	seg := p.segs[i]
	if seg.cond != "" {
		tn := member(a.ix, o, "__typename")
		if tn < 0 || string(a.ix.Text(tn)) != seg.cond {
			return false // another type, or one the answer does not say
		}
	}
	m := member(a.ix, o, seg.key)
	path = append(slices.Clip(path), seg.key)
	if i == len(p.segs)-1 {
		switch {
		case m >= 0 && a.ix.Kind(m) != jsonread.Null:
			a.replace(m) // never pass on a value the caller may not read
		case m < 0:
			if !slices.Contains(a.inserts[o], seg.key) {
				a.inserts[o] = append(a.inserts[o], seg.key)
			}
		}
		a.placed[p.field] = true
		if len(a.errs) < maxNullErrors {
			e := deniedError(p.field)
			e["message"] = "The caller may not query " + p.field + "."
			e["path"] = path
			a.errs = append(a.errs, e)
		} else {
			a.more++
		}
		return seg.typ.NonNull
	}
	if m < 0 {
		return false
	}
	if a.value(m, seg.typ, p, i+1, path) {
		a.replace(m)
		return seg.typ.NonNull
	}
	return false
}

// value applies segs[i:] under value v of type t; true when v must become
// null.
func (a *nullAnswer) value(v int, t *ast.Type, p nullPath, i int, path []any) bool {
	switch a.ix.Kind(v) {
	case jsonread.Array:
		if t.Elem == nil {
			return false
		}
		n := 0
		for c := a.ix.Child(v); c >= 0; c = a.ix.Sibling(c) {
			if a.value(c, t.Elem, p, i, append(slices.Clip(path), n)) {
				if t.Elem.NonNull {
					return true
				}
				a.replace(c)
			}
			n++
		}
	case jsonread.Object:
		if t.Elem == nil {
			return a.object(v, p, i, path)
		}
	}
	return false
}

func (a *nullAnswer) replace(v int) {
	s, e := a.ix.Span(v)
	a.edits = append(a.edits, nullEdit{s, e, "null"})
}

// render applies the edits: those inside a value replaced by null go.
func (a *nullAnswer) render(data []byte) []byte {
	for o, keys := range a.inserts {
		var b bytes.Buffer
		for n, k := range keys {
			if n > 0 || a.ix.Child(o) >= 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(":null")
		}
		_, end := a.ix.Span(o)
		a.edits = append(a.edits, nullEdit{end - 1, end - 1, b.String()})
	}
	if len(a.edits) == 0 {
		return data
	}
	sort.Slice(a.edits, func(i, j int) bool {
		if a.edits[i].start != a.edits[j].start {
			return a.edits[i].start < a.edits[j].start
		}
		return a.edits[i].end > a.edits[j].end // the outer first
	})
	out := make([]byte, 0, len(data)+64)
	at := 0
	for _, e := range a.edits {
		if e.start < at {
			continue // inside a value replaced by null
		}
		out = append(out, data[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, data[at:]...)
}

// member finds obj's member named key (the last one, as decoders that keep
// the last value do); -1 when there is none.
func member(ix *jsonread.Index, obj int, key string) int {
	found := -1
	for c := ix.Child(obj); c >= 0; c = ix.Sibling(c) {
		if string(ix.Key(c)) == key {
			found = c
		}
	}
	return found
}
