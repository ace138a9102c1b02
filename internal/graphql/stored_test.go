package graphql

import "testing"

// Operations registered in the store run in allow mode beside the config's,
// by text or, when the store has the text, by hash alone; SetStored
// replaces them while requests are checked.
func TestStoredOperations(t *testing.T) {
	cfgQ, storedQ := "{ me { id } }", "{ me { name } }"
	g := newGuard(t, func(o *Options) {
		o.Persisted = Persisted{Mode: PersistedAllow, Store: true, Hashes: []string{hashOf(cfgQ)}}
	})
	if !g.UsesStore() {
		t.Fatal("UsesStore")
	}
	byHash := post(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hashOf(storedQ) + `"}}}`)
	code := func(r *Request) string {
		if _, ref := g.Check(r, Caller{}); ref != nil {
			return ref.Code
		}
		return ""
	}
	if c := code(postQuery(storedQ)); c != "graphql_operation_not_registered" {
		t.Fatalf("before: %q", c)
	}
	g.SetStored(map[string]string{hashOf(storedQ): storedQ})
	if c := code(postQuery(storedQ)); c != "" {
		t.Fatalf("registered by text: %q", c)
	}
	if c := code(byHash); c != "" {
		t.Fatalf("registered by hash: %q", c)
	}
	if c := code(postQuery(cfgQ)); c != "" {
		t.Fatalf("the config's: %q", c)
	}
	g.SetStored(map[string]string{hashOf(storedQ): ""}) // the hash only: the text must come along
	if c := code(byHash); c != "graphql_persisted_query_not_found" {
		t.Fatalf("hash without text: %q", c)
	}
	g.SetStored(nil)
	if c := code(postQuery(storedQ)); c != "graphql_operation_not_registered" {
		t.Fatalf("deleted: %q", c)
	}
}

// A GET's extensions parameter may be null (no persisted query), as before
// the request reader moved to jsonread; a non-object is refused.
func TestGETExtensionsNull(t *testing.T) {
	g := newGuard(t, nil)
	if _, ref := g.Check(&Request{Method: "GET", RawQuery: "query=%7Bme%7Bid%7D%7D&extensions=null"}, Caller{}); ref != nil {
		t.Fatal(ref)
	}
	if _, ref := g.Check(&Request{Method: "GET", RawQuery: "query=%7Bme%7Bid%7D%7D&extensions=%5B%5D"}, Caller{}); ref == nil || ref.Code != "graphql_request_malformed" {
		t.Fatalf("extensions=[]: %v", ref)
	}
}
