package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// skipDirective is added to a field the caller may not read in "null" mode.
const skipDirective = " @skip(if: true)"

// errHasCondition is a denied field that already carries @skip or
// @include: a second one would not validate, so the request is refused.
var errHasCondition = errors.New("field already has @skip or @include")

// skipFields returns q with skipDirective after the name, alias and
// arguments of each field in fields. Positions come from the parser (in
// runes); the end of the arguments is found by the lexer, from the field on.
func skipFields(q string, fields []*ast.Field) (string, error) {
	offsets := make([]int, 0, len(fields))
	seen := map[int]bool{}
	for _, f := range fields {
		if f.Directives.ForName("skip") != nil || f.Directives.ForName("include") != nil {
			return "", errHasCondition
		}
		if f.Position == nil {
			return "", errors.New("field without a position")
		}
		start := byteOffset(q, f.Position.Start)
		end, err := fieldHeadEnd(q[start:])
		if err != nil {
			return "", err
		}
		if !seen[start+end] {
			seen[start+end] = true
			offsets = append(offsets, start+end)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(offsets)))
	for _, o := range offsets {
		q = q[:o] + skipDirective + q[o:]
	}
	return q, nil
}

// byteOffset converts a rune offset of s to a byte offset.
func byteOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// fieldHeadEnd returns the byte offset, in s (which starts at a field), just
// after the field's name, alias and arguments.
func fieldHeadEnd(s string) (int, error) {
	lx := lexer.New(&ast.Source{Input: s})
	next := func() (lexer.Token, error) {
		for {
			t, err := lx.ReadToken()
			if err != nil || t.Kind != lexer.Comment {
				return t, err
			}
		}
	}
	t, err := next()
	if err != nil || t.Kind != lexer.Name {
		return 0, errors.New("no field name at the field's position")
	}
	end := t.Pos.End
	t, err = next()
	if err == nil && t.Kind == lexer.Colon { // alias: name
		if t, err = next(); err != nil || t.Kind != lexer.Name {
			return 0, errors.New("no field name after the alias")
		}
		end = t.Pos.End
		t, err = next()
	}
	if err == nil && t.Kind == lexer.ParenL {
		depth := 1
		for depth > 0 {
			if t, err = next(); err != nil || t.Kind == lexer.EOF {
				return 0, errors.New("unterminated arguments")
			}
			switch t.Kind {
			case lexer.ParenL:
				depth++
			case lexer.ParenR:
				depth--
			}
		}
		end = t.Pos.End
	}
	return byteOffset(s, end), nil
}

// rebuild renders the request again with each operation's rewritten text,
// in the form it came in. The persisted-query extension is dropped from a
// rewritten operation (its hash names the old text).
func rebuild(r *Request, ops []operation) (body []byte, rawQuery string, err error) {
	text := func(op *operation) string {
		if op.rewritten != "" {
			return op.rewritten
		}
		return op.query
	}
	if r.Method != "POST" {
		vals, err := url.ParseQuery(r.RawQuery)
		if err != nil {
			return nil, "", err
		}
		vals.Set("query", text(&ops[0]))
		vals.Del("extensions")
		return nil, vals.Encode(), nil
	}
	if mt, _, _ := mime.ParseMediaType(r.ContentType); mt == "application/graphql" {
		return []byte(text(&ops[0])), "", nil
	}
	objs := make([]map[string]any, len(ops))
	for i := range ops {
		o := map[string]any{"query": text(&ops[i])}
		if ops[i].name != "" {
			o["operationName"] = ops[i].name
		}
		if ops[i].rawVars != nil {
			o["variables"] = ops[i].rawVars
		}
		objs[i] = o
	}
	var v any = objs[0]
	if t := bytes.TrimSpace(r.Body); len(t) > 0 && t[0] == '[' {
		v = objs
	}
	body, err = json.Marshal(v)
	return body, "", err
}

// deniedError is the error "null" mode adds to the answer for a field.
func deniedError(key string) map[string]any {
	return map[string]any{"message": "The caller may not query " + key + "; it was left out.",
		"extensions": map[string]any{"code": "graphql_field_forbidden", "field": key}}
}

func uniqueKeys(keys []string) []string {
	sort.Strings(keys)
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			out = append(out, k)
		}
	}
	return out
}
