package shape

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are documents for the seed corpus.
var fuzzSeeds = []string{
	`{"id":1,"name":"a","password":"x"}`,
	`{"na\u006de":1,"name":2,"profile":{"ssn":true,"x":[1,2]}}`,
	`{"orders":[{"id":1,"card":2},{"card":3}],"n":12345678901234567890123}`,
	`[{"id":1},{"id":"2"},{"x":{"id":3}},null,[[{"id":4}]]]`,
	`{"a":{"b":{"c":[[],{},"\"}"]}}}`,
	` { "名前" : [ true , false , null ] , "\ud83d\ude00" : -0.5e-3 } `,
	`{"a":1,"a":{"a":2},"salary":3}`,
	`"just a string"`,
	`{"id":}`,
	"{\"a\":\"\xff\"}",
}

// validDoc reports whether Filter should accept doc.
func validDoc(doc []byte) bool { return utf8.Valid(doc) && json.Valid(doc) }

func FuzzFilter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "id", "profile.*", "orders.*.card", true)
		f.Add([]byte(s), "*.id", "name", "a", false)
		f.Add([]byte(s), "a.a", "", "/name", true)
	}
	f.Fuzz(func(t *testing.T, doc []byte, allow1, allow2, deny1 string, admin bool) {
		tree, err := FromPaths([]string{allow1, allow2})
		if err != nil {
			return
		}
		// "salary" is admin-only wherever the allow-list reaches it.
		if tree.Props == nil {
			tree.Props = map[string]*Tree{}
		}
		if _, ok := tree.Props["salary"]; !ok {
			tree.Props["salary"] = &Tree{Open: true, Roles: []string{"admin"}}
		}
		var deny []Path
		if p, err := CompilePath(deny1); err == nil {
			deny = append(deny, p)
		}
		var roles []string
		if admin {
			roles = []string{"admin"}
		}
		out, removed, err := Filter(doc, tree, deny, roles)
		tree.Seal() // sealed, the same tree must filter the same way
		if sealed, n, serr := Filter(doc, tree, deny, roles); !bytes.Equal(sealed, out) || n != removed || (serr == nil) != (err == nil) {
			t.Fatalf("Filter(%q): sealed %q, %d, %v; unsealed %q, %d, %v", doc, sealed, n, serr, out, removed, err)
		}
		if !validDoc(doc) {
			if !errors.Is(err, ErrInvalidJSON) {
				t.Fatalf("Filter(invalid %q) = %q, %v", doc, out, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Filter(%q): %v", doc, err)
		}
		if !json.Valid(out) {
			t.Fatalf("Filter(%q) = invalid %q", doc, out)
		}
		if removed == 0 && !bytes.Equal(out, doc) {
			t.Fatalf("Filter(%q) removed nothing but returned %q", doc, out)
		}
		if diff := sameAsRef(doc, out, tree, deny, roles); diff != "" {
			t.Fatalf("Filter(%q) = %q: %s", doc, out, diff)
		}
		again, n, err := Filter(out, tree, deny, roles)
		if err != nil || n != 0 || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: Filter(%q) = %q, then %q, %d, %v", doc, out, again, n, err)
		}
		checkTopLevel(t, out, tree, deny, roles)
	})
}

// checkTopLevel fails if out is an object with a top-level member that tree,
// deny or roles forbid.
func checkTopLevel(t *testing.T, out []byte, tree *Tree, deny []Path, roles []string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(out, &m) != nil {
		return // not an object
	}
	for k := range m {
		c, ok := tree.Props[k]
		switch {
		case ok && !c.permits(roles):
			t.Fatalf("forbidden member %q survived in %q", k, out)
		case !ok && tree.Members == nil && !tree.Open:
			t.Fatalf("member %q not in the allow-list survived in %q", k, out)
		}
		for _, p := range deny {
			if len(p.segs) == 1 && (p.segs[0].any || p.segs[0].name == k) {
				t.Fatalf("denied member %q survived in %q", k, out)
			}
		}
	}
}
