package graphql

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// walk computes an operation's cost on a validated document and notes what
// the caller's rights decide: introspection and guarded fields. Each fragment
// is walked once (memoized), so the walk is linear in the document even when
// fragments spread each other many times over; costs saturate instead of
// overflowing.
type walk struct {
	g             *Guard
	vars          map[string]any
	memo          map[memoKey]int
	introspection bool
	guarded       []fieldKey   // fields with a rule, in document order
	guardedAt     []*ast.Field // the field of each guarded entry
}

// memoKey is a fragment priced in one context: spread directly under a
// connection field whose size is already counted, or not.
type memoKey struct {
	name  string
	sized bool
}

// fieldKey names a field of a type ("Type.field" in the options).
type fieldKey struct{ typ, field string }

func (k fieldKey) String() string { return k.typ + "." + k.field }

func parseFieldKey(s string) (fieldKey, bool) {
	t, f, ok := strings.Cut(s, ".")
	return fieldKey{t, f}, ok && t != "" && f != ""
}

// selection prices a selection set. sized says its parent field was
// multiplied by an explicit size argument without being a list itself (a
// connection: users(first: 100) { nodes { … } }): its lists are already
// counted and take no default size.
func (w *walk) selection(set ast.SelectionSet, sized bool) int {
	total := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			total = satAdd(total, w.field(x, sized))
		case *ast.InlineFragment:
			total = satAdd(total, w.selection(x.SelectionSet, sized))
		case *ast.FragmentSpread:
			k := memoKey{x.Name, sized}
			c, ok := w.memo[k]
			if !ok {
				w.memo[k] = 0 // validated: no cycles, but never loop
				if x.Definition != nil {
					c = w.selection(x.Definition.SelectionSet, sized)
				}
				w.memo[k] = c
			}
			total = satAdd(total, c)
		}
	}
	return total
}

func (w *walk) field(f *ast.Field, sized bool) int {
	if f.Name == "__schema" || f.Name == "__type" {
		w.introspection = true
	}
	parent := f.ObjectDefinition
	if parent == nil || f.Definition == nil {
		return 0
	}
	key := fieldKey{parent.Name, f.Name}
	if len(w.g.rules) > 0 {
		if _, ok := w.g.rules[key]; ok {
			w.guarded, w.guardedAt = append(w.guarded, key), append(w.guardedAt, f)
		}
		for _, iface := range parent.Interfaces {
			if k := (fieldKey{iface, f.Name}); hasRule(w.g.rules, k) {
				w.guarded, w.guardedAt = append(w.guarded, k), append(w.guardedAt, f)
			}
		}
	}
	weight, ok := w.g.weights[key]
	if !ok && len(f.SelectionSet) > 0 {
		weight = 1
	}
	list := f.Definition.Type.Elem != nil
	n, explicit := w.listSize(f)
	c := satAdd(weight, w.selection(f.SelectionSet, explicit && !list))
	switch {
	case explicit:
		return satMul(c, n)
	case list && !sized:
		return satMul(c, w.g.listSize)
	}
	return c
}

func hasRule(rules map[fieldKey]FieldRule, k fieldKey) bool {
	_, ok := rules[k]
	return ok
}

// listSize is the largest list-size argument given, if any.
func (w *walk) listSize(f *ast.Field) (int, bool) {
	n, found := 0, false
	for _, name := range w.g.listArgs {
		a := f.Arguments.ForName(name)
		if a == nil || a.Value == nil {
			continue
		}
		v, ok := w.intValue(a.Value)
		if ok {
			n, found = max(n, v), true
		}
	}
	return n, found
}

func (w *walk) intValue(v *ast.Value) (int, bool) {
	switch v.Kind {
	case ast.IntValue:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil {
			return maxCount, true // larger than any limit
		}
		return clampCount(n), true
	case ast.Variable:
		switch x := w.vars[v.Raw].(type) {
		case int:
			return clampCount(int64(x)), true
		case int64:
			return clampCount(x), true
		case float64:
			return clampCount(int64(x)), true
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return maxCount, true
			}
			return clampCount(n), true
		}
	}
	return 0, false
}

func clampCount(n int64) int {
	return int(max(0, min(n, maxCount)))
}
