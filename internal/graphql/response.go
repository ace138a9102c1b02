package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// ErrRepeatedKey is a GraphQL answer that repeats a key the sanitizer reads.
var ErrRepeatedKey = errors.New("graphql: the answer repeats a key its errors are read by")

// errNotJSON wraps the reason an answer could not be read as JSON at all
// (as opposed to JSON that is no GraphQL response): an answer not labelled
// JSON is then passed on as the page it is.
var errNotJSON = errors.New("graphql: the answer is not JSON")

// repeatedKeys reads body with the one JSON reader and refuses a response
// (or a batch element) that holds "errors" (or an incremental payload's
// "incremental" or "completed") twice, or an error object that
// holds "message" or "extensions" twice. Keys are compared unescaped and
// exactly (GraphQL names are case-sensitive). A body jsonread cannot read is
// refused too, with an error wrapping errNotJSON (jsonread reads what
// encoding/json reads, so nothing valid is lost).
func repeatedKeys(body []byte) error {
	ix, err := jsonread.Parse(body, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth, AllowInvalidUTF8: true})
	if err != nil {
		return fmt.Errorf("%w: %w", errNotJSON, err)
	}
	defer ix.Release()
	once := func(obj int, names ...string) error {
		for _, name := range names {
			seen := 0
			for m := ix.Child(obj); m >= 0; m = ix.Sibling(m) {
				if string(ix.Key(m)) == name {
					if seen++; seen > 1 {
						return fmt.Errorf("%w: %q", ErrRepeatedKey, name)
					}
				}
			}
		}
		return nil
	}
	response := func(r int) error {
		if ix.Kind(r) != jsonread.Object {
			return nil
		}
		// incremental and completed carry errors in incremental delivery's
		// payloads (multipart.go): read there the same way.
		if err := once(r, "errors", "incremental", "completed"); err != nil {
			return err
		}
		for m := ix.Child(r); m >= 0; m = ix.Sibling(m) {
			if string(ix.Key(m)) != "errors" || ix.Kind(m) != jsonread.Array {
				continue
			}
			for e := ix.Child(m); e >= 0; e = ix.Sibling(e) {
				if ix.Kind(e) == jsonread.Object {
					if err := once(e, "message", "extensions"); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if ix.Kind(0) == jsonread.Array {
		for r := ix.Child(0); r >= 0; r = ix.Sibling(r) {
			if err := response(r); err != nil {
				return err
			}
		}
		return nil
	}
	return response(0)
}

// SanitizeResponse cleans the errors of an upstream GraphQL response: "Did
// you mean …" suggestions are cut from messages (they map the schema for a
// client that may not introspect it) and each error's extensions keep only
// a string code (stack traces, exception objects and internal details go).
// data is passed through as the upstream wrote it. It returns body itself
// and false when nothing changed, and an error when body is not a JSON
// object (or its errors not a list of objects).
//
// A batched request's answer is an array of responses; each is cleaned.
// nulls (Decision.Nulls, nil when nothing was left out) puts null, per
// operation, where "null" mode left a field out, with an error whose path
// names it; a field left out that the answer has no place for (its parent
// is absent or null) still gets an error, without a path.
//
// An answer that repeats a key the sanitizer decides on ("errors" in a
// response; "message" or "extensions" in an error, any spelling that
// unescapes to one) is refused with an error wrapping ErrRepeatedKey: it
// would be read here with the last of them winning, and a client may read
// the first — which then passes uncleaned.
func SanitizeResponse(body []byte, nulls *Nulls) ([]byte, bool, error) {
	if err := repeatedKeys(body); err != nil {
		return nil, false, err
	}
	extra := func(i int) opNulls {
		if nulls != nil && i < len(nulls.ops) {
			return opNulls{nulls.ops[i], nulls.keys[i]}
		}
		return opNulls{}
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(t, &batch); err != nil {
			return nil, false, err
		}
		changed := false
		for i, one := range batch {
			out, c, err := sanitizeOne(one, extra(i))
			if err != nil {
				return nil, false, err
			}
			if c {
				batch[i], changed = out, true
			}
		}
		if !changed {
			return body, false, nil
		}
		out, err := json.Marshal(batch)
		return out, err == nil, err
	}
	return sanitizeOne(body, extra(0))
}

// opNulls is one operation's part of a Nulls.
type opNulls struct {
	paths []nullPath
	keys  []string
}

func sanitizeOne(body []byte, nulls opNulls) ([]byte, bool, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, false, err
	}
	raw, ok := top["errors"]
	if (!ok || isNull(raw)) && len(nulls.keys) == 0 {
		return body, false, nil
	}
	var errs []map[string]json.RawMessage
	if ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &errs); err != nil {
			return nil, false, err
		}
	}
	changed := false
	for _, e := range errs {
		if m, ok := e["message"]; ok {
			var msg string
			if json.Unmarshal(m, &msg) == nil {
				if clean := withoutSuggestion(msg); clean != msg {
					e["message"], _ = json.Marshal(clean)
					changed = true
				}
			}
		}
		if ext, ok := e["extensions"]; ok {
			var x struct {
				Code any `json:"code"`
			}
			_ = json.Unmarshal(ext, &x)
			kept := []byte("{}")
			if code, ok := x.Code.(string); ok {
				kept, _ = json.Marshal(map[string]string{"code": code})
			}
			if !bytes.Equal(compact(ext), kept) {
				e["extensions"] = kept
				changed = true
			}
		}
	}
	var placed map[string]bool
	if data, ok := top["data"]; ok && len(nulls.paths) > 0 && !isNull(data) {
		out, nullErrs, p, err := applyNulls(data, nulls.paths)
		if err != nil {
			return nil, false, err
		}
		top["data"], placed = out, p
		for _, ne := range nullErrs {
			errs = append(errs, rawError(ne))
		}
	}
	for _, key := range nulls.keys {
		if !placed[key] {
			errs = append(errs, rawError(deniedError(key)))
		}
		changed = true
	}
	if !changed {
		return body, false, nil
	}
	top["errors"], _ = json.Marshal(errs)
	out, err := json.Marshal(top)
	return out, err == nil, err
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

func rawError(m map[string]any) map[string]json.RawMessage {
	e := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		e[k], _ = json.Marshal(v)
	}
	return e
}
