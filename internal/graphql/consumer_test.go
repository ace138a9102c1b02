package graphql

import "testing"

// A consumer's override replaces the guard's limits and maximum cost for
// that caller only, found by consumer then subject; the document cache
// shared by all callers keeps each caller to its own limits.
func TestConsumerOverride(t *testing.T) {
	g := newGuard(t, func(o *Options) {
		o.Cost.MaxCost = 100
		o.Limits.MaxDepth = 4
		o.Consumers = map[string]Override{
			"partner-x": {MaxCost: 20000, Limits: Limits{MaxDepth: 6}},
			"user-7":    {Limits: Limits{MaxDepth: 2}},
		}
	})
	costly := postQuery("{ users(first: 500) { id } }")                                                  // (weight 2) × 500 = 1000
	deep := postQuery("{ me { friends(first: 1) { friends(first: 1) { friends(first: 1) { id } } } } }") // depth 5
	shallow := postQuery("{ me { friends(first: 1) { id } } }")                                          // depth 3
	tests := []struct {
		name string
		who  Caller
		req  *Request
		code string
	}{
		{"default: too costly", Caller{}, costly, "graphql_cost_exceeded"},
		{"partner: within its cost", Caller{Consumer: "partner-x"}, costly, ""},
		{"default: too deep", Caller{Consumer: "other"}, deep, "graphql_too_deep"},
		{"partner: within its depth", Caller{Consumer: "partner-x"}, deep, ""},
		{"default: shallow", Caller{}, shallow, ""},
		{"subject override: stricter, from the cache", Caller{Subject: "user-7"}, shallow, "graphql_too_deep"},
		{"consumer wins over subject", Caller{Consumer: "partner-x", Subject: "user-7"}, shallow, ""},
	}
	for _, tc := range tests {
		_, ref := g.Check(tc.req, tc.who)
		got := ""
		if ref != nil {
			got = ref.Code
		}
		if got != tc.code {
			t.Errorf("%s: got %q (%v), want %q", tc.name, got, ref, tc.code)
		}
	}
	if n := g.cache.len(); n != 3 {
		t.Errorf("cache holds %d documents, want 3", n)
	}
	if _, err := New(Options{Schema: shopSchema(t), Consumers: map[string]Override{"": {MaxCost: 1}}}); err == nil {
		t.Error("an override without a name was accepted")
	}
}
