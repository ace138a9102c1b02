package graphql

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// "null" mode answers null where a field was left out, with one error per
// null whose path names it, and propagates a null in a non-null field to
// the nearest nullable parent.
func TestNullAnswers(t *testing.T) {
	g := newGuard(t, func(o *Options) {
		o.OnDeniedField = "null"
		o.Fields = map[string]FieldRule{"User.name": {Roles: []string{"admin"}}} // String!: a null propagates
	})
	user := Caller{Roles: []string{"customer"}}
	tests := []struct {
		name, query, answer string
		data                string  // the answer's data after
		paths               [][]any // the errors' paths (nil: an error without one)
	}{
		{"list elements", `{ users(first: 2) { id email } }`, `{"data":{"users":[{"id":"1"},{"id":"2"}]}}`,
			`{"users":[{"id":"1","email":null},{"id":"2","email":null}]}`, [][]any{{"users", 0.0, "email"}, {"users", 1.0, "email"}}},
		{"alias in a fragment", `{ me { ...U } } fragment U on User { id mail: email }`, `{"data":{"me":{"id":"1"}}}`,
			`{"me":{"id":"1","mail":null}}`, [][]any{{"me", "mail"}}},
		{"empty object", `{ me { email } }`, `{"data":{"me":{}}}`, `{"me":{"email":null}}`, [][]any{{"me", "email"}}},
		{"parent null: no place, an error without a path", `{ me { id email } }`, `{"data":{"me":null}}`, `{"me":null}`, [][]any{nil}},
		{"the upstream sent it anyway", `{ me { email } }`, `{"data":{"me":{"email":"a@b.c"}}}`, `{"me":{"email":null}}`, [][]any{{"me", "email"}}},
		{"non-null: the nullable parent becomes null", `{ me { id name } }`, `{"data":{"me":{"id":"1"}}}`, `{"me":null}`, [][]any{{"me", "name"}}},
		{"non-null up to the root: data becomes null", `{ users(first: 1) { name } }`, `{"data":{"users":[{"id":"1"}]}}`, `null`, [][]any{{"users", 0.0, "name"}}},
		{"two fields in one object", `{ me { email name2: email } }`, `{"data":{"me":{}}}`, `{"me":{"email":null,"name2":null}}`, [][]any{{"me", "email"}, {"me", "name2"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ref := g.Check(postQuery(tc.query), user)
			if ref != nil || d.Nulls == nil {
				t.Fatalf("check: %v", ref)
			}
			out, changed, err := SanitizeResponse([]byte(tc.answer), d.Nulls)
			if err != nil || !changed {
				t.Fatalf("sanitize: %v %v", changed, err)
			}
			var got struct {
				Data   json.RawMessage
				Errors []struct {
					Message    string
					Path       []any
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if string(got.Data) != tc.data {
				t.Errorf("data %s, want %s", got.Data, tc.data)
			}
			var paths [][]any
			for _, e := range got.Errors {
				if e.Extensions["code"] != "graphql_field_forbidden" {
					t.Errorf("error %+v", e)
				}
				paths = append(paths, e.Path)
			}
			if !reflect.DeepEqual(paths, tc.paths) {
				t.Errorf("paths %v, want %v\n%s", paths, tc.paths, out)
			}
		})
	}
	// A batch: each answer gets its own operation's nulls.
	d, ref := g.Check(post(`[{"query":"{ me { id } }"},{"query":"{ me { email } }"}]`), user)
	if ref != nil {
		t.Fatal(ref)
	}
	out, _, err := SanitizeResponse([]byte(`[{"data":{"me":{"id":"1"}}},{"data":{"me":{}}}]`), d.Nulls)
	if err != nil || string(out) != `[{"data":{"me":{"id":"1"}}},{"data":{"me":{"email":null}},"errors":[{"extensions":{"code":"graphql_field_forbidden","field":"User.email"},"message":"The caller may not query User.email.","path":["me","email"]}]}]` {
		t.Fatalf("batch: %s %v", out, err)
	}
}

// A denied field selected in more places than the plan follows is refused,
// never half answered.
func TestNullTooManyPlaces(t *testing.T) {
	g := newGuard(t, func(o *Options) { o.OnDeniedField = "null"; o.Limits.MaxAliases = -1; o.Limits.MaxTokens = -1 })
	q := "{ me { ...U } } fragment U on User { "
	for i := 0; i < maxNullPaths+2; i++ {
		q += "e" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ": email "
	}
	q += "}"
	if _, ref := g.Check(postQuery(q), Caller{}); ref == nil || ref.Code != "graphql_field_forbidden" {
		t.Fatalf("got %v", ref)
	}
}

// "omit" leaves the field absent, with one error per field and no path.
func TestOmitAnswers(t *testing.T) {
	g := newGuard(t, func(o *Options) { o.OnDeniedField = "omit" })
	d, ref := g.Check(postQuery("{ users(first: 2) { id email } }"), Caller{})
	if ref != nil {
		t.Fatal(ref)
	}
	out, _, err := SanitizeResponse([]byte(`{"data":{"users":[{"id":"1"},{"id":"2"}]}}`), d.Nulls)
	if err != nil || string(out) != `{"data":{"users":[{"id":"1"},{"id":"2"}]},"errors":[{"extensions":{"code":"graphql_field_forbidden","field":"User.email"},"message":"The caller may not query User.email; it was left out."}]}` {
		t.Fatalf("%s %v", out, err)
	}
}

// A fragment on the root type itself is no narrowing: its fields are nulled
// without a __typename, as anywhere else.
func TestNullRootFragment(t *testing.T) {
	g := newGuard(t, func(o *Options) { o.OnDeniedField = "null" })
	d, ref := g.Check(postQuery("{ ...Q } fragment Q on Query { me { email } }"), Caller{})
	if ref != nil {
		t.Fatal(ref)
	}
	out, _, err := SanitizeResponse([]byte(`{"data":{"me":{}}}`), d.Nulls)
	if err != nil || !strings.Contains(string(out), `"data":{"me":{"email":null}}`) || !strings.Contains(string(out), `"path":["me","email"]`) {
		t.Fatalf("%s %v", out, err)
	}
}
