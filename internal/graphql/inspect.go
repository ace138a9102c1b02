package graphql

import (
	"encoding/json"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
)

// Inspection returns what injection inspection reads of an admitted request,
// as JSON: per operation an object with the variables as the client sent
// them and every inline argument value of the document on its own, keyed by
// where it stands:
//
//	{"variables":{"id":"7"},
//	 "arguments":{"setOrderStatus.status":"x' OR 1=1 --","user.orders.first":5},
//	 "defaults":{"limit":10}}
//
// A batch is an array of such objects. The query text as a whole is not in
// it: GraphQL's own syntax ($variables, braces, comments) is never mistaken
// for an attack, while each string an argument carries is inspected as the
// value it is. A variable used as an argument is not repeated (its value is
// under variables). Nil when d did not come from an admitted request.
func (d *Decision) Inspection() []byte {
	if len(d.ops) == 0 {
		return nil
	}
	var b []byte
	if len(d.ops) > 1 {
		b = append(b, '[')
	}
	for i := range d.ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = d.ops[i].inspection(b)
	}
	if len(d.ops) > 1 {
		b = append(b, ']')
	}
	return b
}

func (op *operation) inspection(b []byte) []byte {
	b = append(b, `{"variables":`...)
	switch {
	case len(op.rawVars) > 0:
		b = append(b, op.rawVars...)
	case op.variables != nil:
		v, err := json.Marshal(op.variables)
		if err != nil { // decoded from JSON: always marshals
			v = []byte("null")
		}
		b = append(b, v...)
	default:
		b = append(b, "null"...)
	}
	w := argWriter{b: append(b, `,"arguments":{`...)}
	if op.doc != nil {
		for _, o := range op.doc.Operations {
			w.directives("", o.Directives)
			w.selections("", o.SelectionSet)
		}
		for _, f := range op.doc.Fragments {
			prefix := "fragment " + f.Name
			w.directives(prefix, f.Directives)
			w.selections(prefix, f.SelectionSet)
		}
	}
	w.b = append(w.b, `},"defaults":{`...)
	w.n = 0
	if op.doc != nil {
		for _, o := range op.doc.Operations {
			for _, v := range o.VariableDefinitions {
				if v.DefaultValue != nil {
					w.member(v.Variable, v.DefaultValue)
				}
			}
		}
	}
	return append(w.b, "}}"...)
}

// argWriter appends "path":value members for every literal argument.
type argWriter struct {
	b []byte
	n int // members written in the current object
}

func (w *argWriter) selections(prefix string, set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			path := join(prefix, key)
			for _, a := range s.Arguments {
				w.member(join(path, a.Name), a.Value)
			}
			w.directives(path, s.Directives)
			w.selections(path, s.SelectionSet)
		case *ast.InlineFragment:
			w.directives(prefix, s.Directives)
			w.selections(prefix, s.SelectionSet)
		case *ast.FragmentSpread:
			w.directives(prefix, s.Directives)
		}
	}
}

func (w *argWriter) directives(prefix string, ds ast.DirectiveList) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			w.member(join(prefix, "@"+d.Name+"."+a.Name), a.Value)
		}
	}
}

// member writes one argument unless it holds no literal (a bare variable).
func (w *argWriter) member(key string, v *ast.Value) {
	if v == nil || v.Kind == ast.Variable {
		return
	}
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = appendJSONString(w.b, key)
	w.b = append(w.b, ':')
	w.value(v)
}

// value writes a literal as JSON: strings and enum names as strings, lists
// and input objects as arrays and objects (variables inside them as null),
// numbers, booleans and null as themselves.
func (w *argWriter) value(v *ast.Value) {
	switch v.Kind {
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		w.b = appendJSONString(w.b, v.Raw)
	case ast.IntValue, ast.FloatValue, ast.BooleanValue:
		if json.Valid([]byte(v.Raw)) {
			w.b = append(w.b, v.Raw...)
		} else {
			w.b = appendJSONString(w.b, v.Raw)
		}
	case ast.ListValue:
		w.b = append(w.b, '[')
		for i, c := range v.Children {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.value(c.Value)
		}
		w.b = append(w.b, ']')
	case ast.ObjectValue:
		w.b = append(w.b, '{')
		for i, c := range v.Children {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, c.Name)
			w.b = append(w.b, ':')
			w.value(c.Value)
		}
		w.b = append(w.b, '}')
	default: // null, or a variable inside a list or object
		w.b = append(w.b, "null"...)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil { // a string always marshals
		return append(b, strconv.Quote("")...)
	}
	return append(b, q...)
}
