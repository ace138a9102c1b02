package graphql

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// Args reads the arguments of an admitted request's operations, for the
// guards after the GraphQL guard (ownership rules on a field argument: see
// ArgValues). Admit leaves one on the exchange.
type Args struct {
	schema *ast.Schema
	ops    []operation
}

// Errors of ArgValues: the request names the field, but not with an id the
// rule can check. An ownership rule refuses the request on them.
var (
	ErrArgMissing = errors.New("graphql: the argument is missing or null")
	ErrArgNotID   = errors.New("graphql: the argument is not an id (a string, an integer or a list of them)")
)

// ArgValues returns the values of argument arg wherever the admitted
// request selects field ("Type.field"): in every operation of a batch (the
// one each runs), under every alias, inside fragments and inline fragments,
// with variables resolved to the values the operation runs with. A field
// selected on an interface or union the type belongs to counts, and so does
// one on a type implementing the interface a rule names. Inline literals and
// variables that are strings or integers are ids; a list is its elements.
//
// No value and no error: the request does not select the field. An error
// (ErrArgMissing, ErrArgNotID): it selects it without a usable id — a missing
// or null argument, an empty list, an object — which a rule must refuse.
func (a *Args) ArgValues(field, arg string) ([]string, error) {
	key, ok := parseFieldKey(field)
	if !ok {
		return nil, fmt.Errorf("graphql: %q is not Type.field", field)
	}
	var out []string
	for i := range a.ops {
		op := &a.ops[i]
		if op.sel == nil {
			return nil, errors.New("graphql: the request was not admitted")
		}
		r := argReader{schema: a.schema, key: key, arg: arg, vars: op.vars, doc: op.doc, out: out}
		if err := r.selections(op.sel.SelectionSet); err != nil {
			return nil, err
		}
		out = r.out
	}
	return out, nil
}

type argReader struct {
	schema *ast.Schema
	key    fieldKey
	arg    string
	vars   map[string]any
	doc    *ast.QueryDocument
	seen   []string // fragments read: the same values again and again otherwise
	out    []string
	index  map[string]bool // out, once it is long
}

// selections reads a selection set; its recursion is bounded by the document's
// nesting, which the limits bound, and each fragment is read once.
func (r *argReader) selections(set ast.SelectionSet) error {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if r.matches(x) {
				if err := r.field(x); err != nil {
					return err
				}
			}
			if err := r.selections(x.SelectionSet); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := r.selections(x.SelectionSet); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if slices.Contains(r.seen, x.Name) {
				continue
			}
			r.seen = append(r.seen, x.Name)
			def := x.Definition
			if def == nil {
				def = r.doc.Fragments.ForName(x.Name)
			}
			if def != nil {
				if err := r.selections(def.SelectionSet); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// matches says f may be key: the same name on the same type, on an
// interface the type implements or a union it belongs to, or on a type that
// implements the interface key names.
func (r *argReader) matches(f *ast.Field) bool {
	parent := f.ObjectDefinition
	if f.Name != r.key.field || parent == nil {
		return false
	}
	if parent.Name == r.key.typ || slices.Contains(parent.Interfaces, r.key.typ) {
		return true
	}
	if parent.IsAbstractType() {
		for _, t := range r.schema.GetPossibleTypes(parent) {
			if t.Name == r.key.typ {
				return true
			}
		}
	}
	return false
}

func (r *argReader) field(f *ast.Field) error {
	a := f.Arguments.ForName(r.arg)
	if a == nil || a.Value == nil {
		return ErrArgMissing
	}
	return r.value(a.Value, 0)
}

func (r *argReader) value(v *ast.Value, depth int) error {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue, ast.IntValue:
		r.add(v.Raw)
		return nil
	case ast.NullValue:
		return ErrArgMissing
	case ast.Variable:
		val, ok := r.vars[v.Raw]
		if !ok || val == nil {
			return ErrArgMissing
		}
		return r.any(val, depth)
	case ast.ListValue:
		if depth > 0 || len(v.Children) == 0 {
			return ErrArgNotID // a list of lists names no object; an empty one, none the rule can check
		}
		for _, c := range v.Children {
			if err := r.value(c.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return ErrArgNotID
}

// any reads a variable's value as validator.VariableValues left it.
func (r *argReader) any(val any, depth int) error {
	switch x := val.(type) {
	case string:
		r.add(x)
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
			return ErrArgNotID
		}
		r.add(string(x))
	case int:
		r.add(strconv.Itoa(x))
	case int64:
		r.add(strconv.FormatInt(x, 10))
	case []any:
		if depth > 0 || len(x) == 0 {
			return ErrArgNotID
		}
		for _, e := range x {
			if e == nil {
				return ErrArgMissing
			}
			if err := r.any(e, depth+1); err != nil {
				return err
			}
		}
	case nil:
		return ErrArgMissing
	default:
		return ErrArgNotID
	}
	return nil
}

func (r *argReader) add(id string) {
	if r.index == nil {
		if slices.Contains(r.out, id) {
			return
		}
		if r.out = append(r.out, id); len(r.out) > 32 {
			r.index = make(map[string]bool, 2*len(r.out))
			for _, v := range r.out {
				r.index[v] = true
			}
		}
		return
	}
	if !r.index[id] {
		r.index[id] = true
		r.out = append(r.out, id)
	}
}

// CheckArgument reports whether field ("Type.field") is in the schema with an
// argument arg, for config checks of ownership rules.
func (g *Guard) CheckArgument(field, arg string) error {
	key, err := g.fieldName(field)
	if err != nil {
		return err
	}
	def := g.schema.Types[key.typ].Fields.ForName(key.field)
	if def.Arguments.ForName(arg) == nil {
		return fmt.Errorf("%s has no argument %s", field, arg)
	}
	return nil
}
