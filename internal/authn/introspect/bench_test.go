package introspect

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkCachedIntrospection measures a cache hit: header parsing, hashing and
// the lookup. The authorization server is called once, before the loop.
func BenchmarkCachedIntrospection(b *testing.B) {
	a, as, r := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
	if as.Calls() != 1 {
		b.Fatalf("calls = %d, want 1", as.Calls())
	}
}

// BenchmarkCachedIntrospectionParallel shows cache hits do not contend.
func BenchmarkCachedIntrospectionParallel(b *testing.B) {
	a, _, r := benchSetup(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Authenticate(r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchSetup returns an Authenticator on the real clock whose cache holds the
// returned request's 64-byte token.
func benchSetup(b *testing.B) (*Authenticator, *fakeAS, *http.Request) {
	b.Helper()
	body := activeBody()
	body["exp"] = float64(time.Now().Add(time.Hour).Unix())
	as := newAS(b, body)
	a, err := New(Config{URL: as.URL, ClientID: "gw", ClientSecret: "s"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := bearerRequest("2YotnFZFEjr1zCsicMWpAA-a-typical-opaque-access-token-of-64-bytes")
	if _, err := a.Authenticate(r); err != nil {
		b.Fatal(err)
	}
	return a, as, r
}
