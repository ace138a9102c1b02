package shape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// kv is one member of an object in the reference model, kept in order with duplicates.
type kv struct {
	k string
	v any
}

// refFilter is a slow reference for Filter built on encoding/json's tokenizer:
// it decodes doc into an ordered model (objects as []kv, arrays as []any),
// dropping what t, deny and roles forbid. Fuzzing compares it with Filter.
func refFilter(doc []byte, t *Tree, deny []Path, roles []string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var st []state
	for i, p := range deny {
		if len(p.segs) > 0 {
			st = append(st, state{p: int32(i)})
		}
	}
	return refValue(dec, t, deny, st, roles)
}

func refValue(dec *json.Decoder, t *Tree, deny []Path, st []state, roles []string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := []kv{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name := k.(string)
			child, ok := t.member([]byte(name), roles)
			cst, denied := refChildren(deny, st, name, true)
			v, err := refValue(dec, child, deny, cst, roles)
			if err != nil {
				return nil, err
			}
			if ok && !denied {
				obj = append(obj, kv{name, v})
			}
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		child, ok := t.element(roles)
		for dec.More() {
			cst, denied := refChildren(deny, st, "", false)
			v, err := refValue(dec, child, deny, cst, roles)
			if err != nil {
				return nil, err
			}
			if ok && !denied {
				arr = append(arr, v)
			}
		}
		_, err := dec.Token()
		return arr, err
	default:
		return tok, nil
	}
}

func refChildren(deny []Path, st []state, name string, inObj bool) (out []state, denied bool) {
	for _, s := range st {
		seg := deny[s.p].segs[s.k]
		// Deny paths match case variants, as Filter documents ("Password"
		// is cut by a deny of "password").
		if !seg.any && (!inObj || !strings.EqualFold(seg.name, name)) {
			continue
		}
		if int(s.k)+1 == len(deny[s.p].segs) {
			denied = true
			continue
		}
		out = append(out, state{p: s.p, k: s.k + 1})
	}
	return out, denied
}

// sameAsRef reports how Filter's output differs from the reference, or "".
func sameAsRef(doc, out []byte, t *Tree, deny []Path, roles []string) string {
	want, err := refFilter(doc, t, deny, roles)
	if err != nil {
		return "reference: " + err.Error()
	}
	got, err := refFilter(out, nil, nil, nil)
	if err != nil {
		return "reading output: " + err.Error()
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("got %v, reference %v", got, want)
	}
	return ""
}
