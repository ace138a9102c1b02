package graphql

import (
	"encoding/json"
	"unicode/utf8"

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
			w.path = w.path[:0]
			w.directives(o.Directives)
			w.selections(o.SelectionSet)
		}
		for _, f := range op.doc.Fragments {
			w.path = append(append(w.path[:0], "fragment "...), f.Name...)
			w.directives(f.Directives)
			w.selections(f.SelectionSet)
		}
	}
	w.b = append(w.b, `},"defaults":{`...)
	w.n = 0
	if op.doc != nil {
		for _, o := range op.doc.Operations {
			for _, v := range o.VariableDefinitions {
				if v.DefaultValue != nil {
					w.path = append(w.path[:0], v.Variable...)
					w.member(v.DefaultValue)
				}
			}
		}
	}
	return append(w.b, "}}"...)
}

// argWriter appends "path":value members for every literal argument.
type argWriter struct {
	b    []byte
	n    int    // members written in the current object
	path []byte // the dotted path of the field being walked
}

// push appends name to the path and returns the length to pop back to.
func (w *argWriter) push(name string) int {
	n := len(w.path)
	if n > 0 {
		w.path = append(w.path, '.')
	}
	w.path = append(w.path, name...)
	return n
}

func (w *argWriter) selections(set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			back := w.push(key)
			for _, a := range s.Arguments {
				n := w.push(a.Name)
				w.member(a.Value)
				w.path = w.path[:n]
			}
			w.directives(s.Directives)
			w.selections(s.SelectionSet)
			w.path = w.path[:back]
		case *ast.InlineFragment:
			w.directives(s.Directives)
			w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			w.directives(s.Directives)
		}
	}
}

func (w *argWriter) directives(ds ast.DirectiveList) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			n := w.push("@" + d.Name + "." + a.Name)
			w.member(a.Value)
			w.path = w.path[:n]
		}
	}
}

// member writes the argument at the current path unless it holds no literal
// (a bare variable).
func (w *argWriter) member(v *ast.Value) {
	if v == nil || v.Kind == ast.Variable {
		return
	}
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = appendJSONString(w.b, w.path)
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

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD (as encoding/json
// does; the inspector decodes the value back).
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"
