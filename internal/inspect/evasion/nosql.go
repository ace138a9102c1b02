package evasion

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"sort"
	"strings"
)

// NoSQL seeds are JSON documents ({"user":{"$ne":null}}). On the JSON
// channel the mutant is the body; on the query channel it is written in
// bracket syntax (user[$ne]=) by QueryForm, with the %-escapes the
// operators chose.

var nosqlClass = class{
	ops: []op{
		{"ne-as-nin", docOp(func(r *rand.Rand, op string, v any) (string, any, bool) {
			if op != "$ne" {
				return "", nil, false
			}
			return "$nin", []any{v}, true
		})},
		{"ne-as-not-eq", docOp(func(r *rand.Rand, op string, v any) (string, any, bool) {
			if op != "$ne" {
				return "", nil, false
			}
			return "$not", map[string]any{"$eq": v}, true
		})},
		{"gt-as-gte", docOp(func(r *rand.Rand, op string, v any) (string, any, bool) {
			if op != "$gt" || v != "" {
				return "", nil, false
			}
			return "$gte", "", true
		})},
		{"and-wrap", func(r *rand.Rand, v string) (string, bool) {
			var d map[string]any
			if json.Unmarshal([]byte(v), &d) != nil || len(d) == 0 {
				return v, false
			}
			b, _ := json.Marshal(map[string]any{"$and": []any{d}})
			return string(b), true
		}},
		{"escape-key", func(r *rand.Rand, v string) (string, bool) {
			// a JSON \u escape of a character inside a key ("\u0024ne")
			var at []int
			for i := 0; i+1 < len(v); i++ {
				if v[i] == '"' && i+1 < len(v) && (v[i+1] == '$' || isLetter(v[i+1])) {
					at = append(at, i+1)
				}
			}
			if len(at) == 0 {
				return v, false
			}
			i := at[r.IntN(len(at))]
			return v[:i] + fmt.Sprintf(`\u%04x`, v[i]) + v[i+1:], true
		}},
		{"blank", func(r *rand.Rand, v string) (string, bool) {
			return replaceString(":", func(r *rand.Rand) string { return pick(r, " : ", ":\n", ":\t") })(r, v)
		}},
	},
	valid: func(seed string) bool {
		d, ok := nosqlDoc(seed)
		return ok && hasOperator(d)
	},
	same: func(seed, mutant string) bool {
		a, ok := nosqlDoc(seed)
		if !ok {
			return false
		}
		b, ok := nosqlDoc(mutant)
		return ok && reflect.DeepEqual(a, b)
	},
}

// docOp rewrites one operator of the document.
func docOp(f func(r *rand.Rand, op string, v any) (string, any, bool)) func(*rand.Rand, string) (string, bool) {
	return func(r *rand.Rand, v string) (string, bool) {
		var d any
		if json.Unmarshal([]byte(v), &d) != nil {
			return v, false
		}
		changed := false
		var walk func(x any) any
		walk = func(x any) any {
			switch t := x.(type) {
			case map[string]any:
				out := map[string]any{}
				for k, e := range t {
					if !changed {
						if nk, nv, ok := f(r, k, e); ok {
							out[nk], changed = nv, true
							continue
						}
					}
					out[k] = walk(e)
				}
				return out
			case []any:
				for i := range t {
					t[i] = walk(t[i])
				}
			}
			return x
		}
		d = walk(d)
		if !changed {
			return v, false
		}
		b, _ := json.Marshal(d)
		return string(b), true
	}
}

// nosqlDoc decodes a document as a MongoDB driver receives it and folds
// the operator synonyms the operators use: {$nin:[x]} and {$not:{$eq:x}}
// are {$ne:x}, {$gte:""} is {$gt:""}, {$and:[d]} is d.
func nosqlDoc(v string) (any, bool) {
	var d any
	if err := json.Unmarshal([]byte(v), &d); err != nil {
		return nil, false
	}
	return canonical(d), true
}

func canonical(x any) any {
	switch t := x.(type) {
	case map[string]any:
		if a, ok := t["$and"].([]any); ok && len(t) == 1 && len(a) == 1 {
			return canonical(a[0])
		}
		out := map[string]any{}
		for k, e := range t {
			e = canonical(e)
			switch k {
			case "$nin":
				if a, ok := e.([]any); ok && len(a) == 1 {
					k, e = "$ne", a[0]
				}
			case "$not":
				if m, ok := e.(map[string]any); ok && len(m) == 1 && hasKey(m, "$eq") {
					k, e = "$ne", m["$eq"]
				}
			case "$gte":
				if e == "" {
					k = "$gt"
				}
			}
			out[k] = e
		}
		return out
	case []any:
		for i := range t {
			t[i] = canonical(t[i])
		}
	}
	return x
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func hasOperator(x any) bool {
	switch t := x.(type) {
	case map[string]any:
		for k, e := range t {
			if strings.HasPrefix(k, "$") || hasOperator(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasOperator(e) {
				return true
			}
		}
	}
	return false
}

// QueryForm writes a NoSQL document in bracket syntax (qs, Express,
// PHP): {"user":{"$ne":null}} is user[$ne]=; arrays take [] or indices.
// r chooses the %-escapes of '$' and brackets a client may send.
func QueryForm(r *rand.Rand, doc string) (string, bool) {
	var d map[string]any
	if json.Unmarshal([]byte(doc), &d) != nil {
		return "", false
	}
	var parts []string
	var walk func(prefix string, x any)
	esc := func(s string) string {
		if r != nil && r.IntN(2) == 0 {
			s = strings.ReplaceAll(s, "$", "%24")
		}
		return s
	}
	br := func(s string) string {
		if r != nil && r.IntN(3) == 0 {
			return "%5B" + esc(s) + "%5D"
		}
		return "[" + esc(s) + "]"
	}
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if prefix == "" {
					walk(esc(k), t[k])
				} else {
					walk(prefix+br(k), t[k])
				}
			}
		case []any:
			for i, e := range t {
				walk(prefix+br(fmt.Sprint(i)), e)
			}
		case nil:
			parts = append(parts, prefix+"=")
		default:
			parts = append(parts, prefix+"="+url.QueryEscape(fmt.Sprint(t)))
		}
	}
	walk("", d)
	return strings.Join(parts, "&"), len(parts) > 0
}
