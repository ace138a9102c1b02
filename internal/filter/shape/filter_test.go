package shape

import (
	"bytes"
	"errors"
	"testing"
)

// mustTree builds a Tree from paths or fails the test.
func mustTree(t testing.TB, paths ...string) *Tree {
	t.Helper()
	tr, err := FromPaths(paths)
	if err != nil {
		t.Fatalf("FromPaths(%q): %v", paths, err)
	}
	return tr
}

// mustPaths compiles deny paths or fails the test.
func mustPaths(t testing.TB, ps ...string) []Path {
	t.Helper()
	out := make([]Path, len(ps))
	for i, s := range ps {
		p, err := CompilePath(s)
		if err != nil {
			t.Fatalf("CompilePath(%q): %v", s, err)
		}
		out[i] = p
	}
	return out
}

// employees allows everyone id and name, and admins salary too.
func employees() *Tree {
	emp := &Tree{Props: map[string]*Tree{
		"id":     nil,
		"name":   nil,
		"salary": {Open: true, Roles: []string{"admin", "hr"}},
	}}
	return &Tree{Props: map[string]*Tree{"staff": {Items: emp}}}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		allow   []string // nil with tree nil: no allow-list
		tree    *Tree    // used instead of allow when set
		deny    []string
		roles   []string
		want    string
		removed int
	}{
		{name: "top level", doc: `{"id":1,"name":"a","password":"x"}`, allow: []string{"id", "name"},
			want: `{"id":1,"name":"a"}`, removed: 1},
		{name: "nested objects", doc: `{"profile":{"address":{"city":"Oslo","street":"x"},"ssn":"1"},"id":2}`,
			allow: []string{"profile.address.city"}, want: `{"profile":{"address":{"city":"Oslo"}}}`, removed: 3},
		{name: "arrays of objects", doc: `{"orders":[{"id":1,"card":"4111"},{"card":"5500","id":2},{}]}`,
			allow: []string{"orders.*.id"}, want: `{"orders":[{"id":1},{"id":2},{}]}`, removed: 2},
		{name: "arrays of arrays", doc: `{"m":[[{"a":1,"b":2}],[],[{"b":3},{"a":4}]]}`, allow: []string{"m.*.*.a"},
			want: `{"m":[[{"a":1}],[],[{},{"a":4}]]}`, removed: 2},
		{name: "root array", doc: `[{"id":1,"x":2},{"x":3,"id":4}]`, allow: []string{"*.id"},
			want: `[{"id":1},{"id":4}]`, removed: 2},
		{name: "wildcard over map members", doc: `{"byID":{"u1":{"id":1,"pw":2},"u2":{"pw":3}}}`, allow: []string{"byID.*.id"},
			want: `{"byID":{"u1":{"id":1},"u2":{}}}`, removed: 2},
		{name: "open subtree", doc: `{"profile":{"a":{"b":[1,{"c":2}]},"d":null},"secret":1}`, allow: []string{"profile"},
			want: `{"profile":{"a":{"b":[1,{"c":2}]},"d":null}}`, removed: 1},
		{name: "path ending at field wins over deeper path", doc: `{"p":{"a":1,"b":2}}`, allow: []string{"p.a", "p"},
			want: `{"p":{"a":1,"b":2}}`},
		{name: "whole document", doc: `{"a":1}`, allow: []string{""}, want: `{"a":1}`},
		{name: "no paths allow nothing", doc: `{"a":1,"b":[2]}`, allow: []string{}, want: `{}`, removed: 2},
		{name: "array where object expected", doc: `{"tags":["a","b"]}`, allow: []string{"tags.name"},
			want: `{"tags":[]}`, removed: 2},
		{name: "scalar where object expected is kept", doc: `{"p":"x"}`, allow: []string{"p.a"}, want: `{"p":"x"}`},
		{name: "empty containers kept", doc: `{"a":{},"b":[],"c":{"d":[]},"e":{}}`, allow: []string{"a", "b", "c.d", "e.x"},
			want: `{"a":{},"b":[],"c":{"d":[]},"e":{}}`},
		{name: "admin sees salary", doc: `{"staff":[{"id":1,"name":"a","salary":100}]}`, tree: employees(),
			roles: []string{"user", "admin"}, want: `{"staff":[{"id":1,"name":"a","salary":100}]}`},
		{name: "user does not see salary", doc: `{"staff":[{"id":1,"salary":100,"name":"a"},{"salary":{"base":1}}]}`, tree: employees(),
			roles: []string{"user"}, want: `{"staff":[{"id":1,"name":"a"},{}]}`, removed: 2},
		{name: "no roles do not see salary", doc: `{"staff":[{"salary":1}]}`, tree: employees(), want: `{"staff":[{}]}`, removed: 1},
		{name: "role on items drops elements", doc: `{"audit":[1,2],"id":1}`,
			tree:  &Tree{Props: map[string]*Tree{"id": nil, "audit": {Items: &Tree{Open: true, Roles: []string{"admin"}}}}},
			roles: []string{"user"}, want: `{"audit":[],"id":1}`, removed: 2},
		{name: "open node with restricted prop", doc: `{"a":1,"salary":2,"b":3}`,
			tree: &Tree{Open: true, Props: map[string]*Tree{"salary": {Roles: []string{"admin"}}}},
			want: `{"a":1,"b":3}`, removed: 1},
		{name: "deny wins over allow", doc: `{"user":{"id":1,"ssn":"x","name":"a"}}`, allow: []string{"user"},
			deny: []string{"user.ssn"}, want: `{"user":{"id":1,"name":"a"}}`, removed: 1},
		{name: "deny with wildcard through arrays", doc: `{"o":[{"card":1,"id":1},{"x":{"card":2}}]}`,
			deny: []string{"o.*.card", "/o/x"}, want: `{"o":[{"id":1},{"x":{"card":2}}]}`, removed: 1},
		{name: "deny only with nil tree", doc: `{"a":1,"pw":2,"b":{"pw":3}}`, deny: []string{"pw", "*.pw"},
			want: `{"a":1,"b":{}}`, removed: 2},
		{name: "deny every element", doc: `{"a":[1,2,3]}`, deny: []string{"a.*"}, want: `{"a":[]}`, removed: 3},
		{name: "escaped key matches", doc: `{"na\u006de":"a","pass\u0077ord":"x"}`, allow: []string{"name", "password"},
			deny: []string{"password"}, want: `{"na\u006de":"a"}`, removed: 1},
		{name: "escaped key dropped", doc: `{"id":1,"s\u0073n":"x"}`, allow: []string{"id"}, want: `{"id":1}`, removed: 1},
		{name: "surrogate pair key", doc: `{"\ud83d\ude00":1,"x":2}`, allow: []string{"😀"}, want: `{"\ud83d\ude00":1}`, removed: 1},
		{name: "duplicates each filtered", doc: `{"a":{"x":1,"y":2},"a":{"y":3,"x":4},"b":1,"b":2}`, allow: []string{"a.x"},
			want: `{"a":{"x":1},"a":{"x":4}}`, removed: 4},
		{name: "bytes kept verbatim", doc: `{ "n" : 1.0000000000000000000001e+400 , "s":"\u00e9\/\"" , "x":0 }`, allow: []string{"n", "s"},
			want: `{ "n" : 1.0000000000000000000001e+400 , "s":"\u00e9\/\"" }`, removed: 1},
		{name: "leading cuts drop the separator", doc: `[ {"a":1} , {"b":2} ]`, allow: []string{"*.b"},
			want: `[ {} , {"b":2} ]`, removed: 1},
		{name: "all cut keeps brackets", doc: "{\n  \"x\": 1,\n  \"y\": [2]\n}", allow: []string{"z"}, want: "{\n}", removed: 2},
		{name: "scalar document", doc: ` "just text" `, allow: []string{"a"}, want: ` "just text" `},
		{name: "deny matches case variants", doc: `{"password":1,"Password":2,"PASSWORD":3,"pa\u0053sword":4,"id":5}`,
			deny: []string{"password"}, want: `{"id":5}`, removed: 4},
		{name: "deny path matches case variants at depth", doc: `{"User":{"SSN":"x","id":1}}`,
			deny: []string{"user.ssn"}, want: `{"User":{"id":1}}`, removed: 1},
		{name: "deny matches unicode case variants", doc: `{"ÉTAT":1,"x":2}`, deny: []string{"état"}, want: `{"x":2}`, removed: 1},
		{name: "open node hides case variants of restricted prop", doc: `{"a":1,"Salary":2,"SALARY":3,"salary":4}`,
			tree: &Tree{Open: true, Props: map[string]*Tree{"salary": {Roles: []string{"admin"}}}},
			want: `{"a":1}`, removed: 3},
		{name: "open node shows case variants to the role", doc: `{"a":1,"Salary":2}`,
			tree:  &Tree{Open: true, Props: map[string]*Tree{"salary": {Roles: []string{"admin"}}}},
			roles: []string{"admin"}, want: `{"a":1,"Salary":2}`},
		{name: "members node applies the named rule to variants", doc: `{"Secret":{"x":1},"other":{"x":2}}`,
			tree: &Tree{Members: &Tree{Open: true}, Props: map[string]*Tree{"secret": {Roles: []string{"admin"}}}},
			want: `{"other":{"x":2}}`, removed: 1},
		{name: "closed node cuts case variants of allowed names", doc: `{"id":1,"ID":2}`, allow: []string{"id"},
			want: `{"id":1}`, removed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := tt.tree
			if tree == nil && tt.allow != nil {
				tree = mustTree(t, tt.allow...)
			}
			doc := []byte(tt.doc)
			out, removed, err := Filter(doc, tree, mustPaths(t, tt.deny...), tt.roles)
			if err != nil {
				t.Fatalf("Filter: %v", err)
			}
			if string(out) != tt.want || removed != tt.removed {
				t.Errorf("Filter = %s, %d; want %s, %d", out, removed, tt.want, tt.removed)
			}
			if removed == 0 && &out[0] != &doc[0] {
				t.Errorf("unchanged Filter returned a copy")
			}
			if tree != nil { // sealed, the same tree filters the same way
				tree.Seal()
				sealed, n, err := Filter(doc, tree, mustPaths(t, tt.deny...), tt.roles)
				if err != nil || string(sealed) != string(out) || n != removed {
					t.Errorf("sealed Filter = %s, %d, %v; unsealed %s, %d", sealed, n, err, out, removed)
				}
			}
		})
	}
}

func TestFilterInvalid(t *testing.T) {
	tree := mustTree(t, "a", "b.*.c")
	tests := []struct{ name, doc string }{
		{"empty", ``},
		{"whitespace", ` `},
		{"truncated object", `{"a":1`},
		{"truncated in cut value", `{"x":[1,2`},
		{"missing value", `{"a":}`},
		{"trailing comma", `{"a":1,}`},
		{"trailing comma in cut array", `{"x":[1,]}`},
		{"bad literal in cut value", `{"x":tru}`},
		{"bad literal suffix", `{"a":truex}`},
		{"leading zero", `{"x":01}`},
		{"bare minus", `{"a":-}`},
		{"bad fraction", `{"x":1.}`},
		{"bad exponent", `{"x":1e}`},
		{"unquoted key", `{a:1}`},
		{"missing colon", `{"a" 1}`},
		{"mismatched brackets in cut value", `{"x":[1}`},
		{"mismatched close", `{"a":1]`},
		{"two documents", `{} {}`},
		{"bad escape", `{"x":"\q"}`},
		{"short unicode escape", `{"x":"\u12"}`},
		{"bad escape in key", `{"\x":1}`},
		{"control character", "{\"x\":\"a\nb\"}"},
		{"unterminated string", `{"x":"abc`},
		{"invalid utf-8", "{\"x\":\"\xff\"}"},
		{"single quotes", `{'a':1}`},
		{"too deep", string(bytes.Repeat([]byte("["), maxDepth+1)) + string(bytes.Repeat([]byte("]"), maxDepth+1))},
		{"too deep in kept value", `{"a":` + string(bytes.Repeat([]byte("["), maxDepth)) + string(bytes.Repeat([]byte("]"), maxDepth)) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tr := range []*Tree{tree, nil} {
				out, _, err := Filter([]byte(tt.doc), tr, mustPaths(t, "b.*.d"), nil)
				if !errors.Is(err, ErrInvalidJSON) {
					t.Fatalf("Filter(%q) = %q, %v; want ErrInvalidJSON", tt.doc, out, err)
				}
			}
		})
	}
}

func TestFilterDeepValid(t *testing.T) {
	doc := string(bytes.Repeat([]byte("["), maxDepth)) + string(bytes.Repeat([]byte("]"), maxDepth))
	for _, tr := range []*Tree{nil, {Items: &Tree{Items: &Tree{}}}} {
		if _, _, err := Filter([]byte(doc), tr, nil, nil); err != nil {
			t.Errorf("Filter(depth %d): %v", maxDepth, err)
		}
	}
}

func TestFilterRootRoles(t *testing.T) {
	tree := &Tree{Open: true, Roles: []string{"admin"}}
	if _, _, err := Filter([]byte(`{}`), tree, nil, []string{"user"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("Filter as user: err = %v, want ErrForbidden", err)
	}
	if out, _, err := Filter([]byte(`{"a":1}`), tree, nil, []string{"admin"}); err != nil || string(out) != `{"a":1}` {
		t.Errorf("Filter as admin = %s, %v", out, err)
	}
}

func TestFoldEqual(t *testing.T) {
	for _, tc := range []struct{ seg, name string }{
		{"tags", "tags"}, {"tags", "TAGS"}, {"tags", "Tags"}, {"tags", "tag"}, {"tags", "xags"},
		{"kind", "\u212aind"}, {"kind", "Kind"}, {"sig", "\u017fig"}, {"", ""}, {"a", ""}, {"", "a"},
		{"_x", "_X"}, {"@", "`"}, {"[", "{"}, {"é", "É"}, {"straße", "STRASSE"}, {"1d", "1D"},
	} {
		if got, want := foldEqual(tc.seg, []byte(tc.name)), bytes.EqualFold([]byte(tc.seg), []byte(tc.name)); got != want {
			t.Errorf("foldEqual(%q, %q) = %v, bytes.EqualFold %v", tc.seg, tc.name, got, want)
		}
	}
}
