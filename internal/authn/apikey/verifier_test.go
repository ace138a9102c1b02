package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// outcome is what the test server reports about one Authenticate call.
type outcome struct {
	Principal *principal.Principal
	Reason    string // Failure reason, "no_credentials" or "error"
	Status    int
	Code      string
	Desc      string
}

// serve runs v behind a real HTTP server and returns a function that sends a
// request with the given query and header values and reports the outcome.
func serve(t *testing.T, v *Verifier) func(query string, keys ...string) outcome {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := v.Authenticate(r)
		var o outcome
		var f *authn.Failure
		switch {
		case err == nil:
			o.Principal = p
		case errors.Is(err, authn.ErrNoCredentials):
			o.Reason = "no_credentials"
		case errors.As(err, &f):
			o.Reason, o.Status, o.Code, o.Desc = f.Reason, f.Status, f.Code, f.Description
		default:
			o.Reason = "error"
			if p != nil {
				o.Reason = "error with a principal"
			}
		}
		_ = json.NewEncoder(w).Encode(o)
	}))
	t.Cleanup(srv.Close)
	return func(query string, keys ...string) outcome {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/orders?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			req.Header.Add("X-API-Key", k)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var o outcome
		if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
			t.Fatal(err)
		}
		return o
	}
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	valid, validID := f.create(t, CreateRequest{Subject: "alice", Scopes: []string{"b", "a", "b"}, Roles: []string{"admin"},
		ExpiresIn: 24 * time.Hour})
	revoked, revokedID := f.create(t, CreateRequest{})
	if err := f.mgr.Revoke(context.Background(), revokedID); err != nil {
		t.Fatal(err)
	}
	expired, _ := f.create(t, CreateRequest{ExpiresIn: time.Minute})
	unknown, _ := mustNewKey(t)
	badSum := replaceAt(valid, KeyLen-1, otherBase62(valid[KeyLen-1]))
	inQuery := outcome{Reason: authn.ReasonInQuery, Status: 400, Code: authn.ErrCodeInvalidRequest,
		Desc: "Send the API key in the X-API-Key header, not the URL."}
	malformed := outcome{Reason: authn.ReasonMalformed, Code: authn.ErrCodeInvalidToken, Desc: descInvalid}
	cases := []struct {
		name    string
		query   string
		keys    []string
		advance time.Duration
		want    outcome
		lookups int64
	}{
		{name: "no header", want: outcome{Reason: "no_credentials"}},
		{name: "unknown", keys: []string{unknown}, lookups: 1,
			want: outcome{Reason: authn.ReasonUnknownKey, Code: authn.ErrCodeInvalidToken, Desc: descInvalid}},
		{name: "revoked", keys: []string{revoked}, lookups: 1,
			want: outcome{Reason: authn.ReasonRevoked, Code: authn.ErrCodeInvalidToken, Desc: descInvalid}},
		{name: "expired", keys: []string{expired}, advance: time.Minute, lookups: 1,
			want: outcome{Reason: authn.ReasonExpired, Code: authn.ErrCodeInvalidToken, Desc: descInvalid}},
		{name: "bad checksum", keys: []string{badSum}, want: malformed},
		{name: "too short", keys: []string{valid[:KeyLen-1]}, want: malformed},
		{name: "wrong prefix", keys: []string{"sk_" + valid[3:]}, want: malformed},
		{name: "empty value", keys: []string{""}, want: malformed},
		{name: "bearer style", keys: []string{"Bearer " + valid}, want: malformed},
		{name: "two headers", keys: []string{valid, valid},
			want: outcome{Reason: authn.ReasonMultiple, Status: 400, Code: authn.ErrCodeInvalidRequest, Desc: descMultiple}},
		{name: "key in query", query: "api_key=" + valid, want: inQuery},
		{name: "key value in query", query: "page=1&t=" + valid, keys: []string{valid}, want: inQuery},
		{name: "encoded key in query", query: "t=%62wk_x", want: inQuery},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.clock.Advance(c.advance)
			do := serve(t, f.verifier(t, Config{}))
			before := f.st.lookups.Load()
			if got := do(c.query, c.keys...); got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			if n := f.st.lookups.Load() - before; n != c.lookups {
				t.Errorf("%d store lookups, want %d", n, c.lookups)
			}
			// Asked again, the verdict comes from the cache.
			before = f.st.lookups.Load()
			if got := do(c.query, c.keys...); got != c.want {
				t.Errorf("second time: got %+v\nwant %+v", got, c.want)
			}
			if n := f.st.lookups.Load() - before; n != 0 {
				t.Errorf("second time: %d store lookups, want 0", n)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		do := serve(t, f.verifier(t, Config{}))
		got := do("page=2", valid).Principal
		want := &principal.Principal{Subject: "alice", Consumer: "shop", Scopes: []string{"a", "b"}, Roles: []string{"admin"},
			Method: principal.MethodAPIKey, Issuer: "bulwark", CredentialID: validID}
		if got == nil || got.ExpiresAt.IsZero() {
			t.Fatalf("got %+v, want a principal with an expiry", got)
		}
		got.ExpiresAt = time.Time{}
		if !equalPrincipal(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
}

func equalPrincipal(a, b *principal.Principal) bool {
	return a.Subject == b.Subject && a.Consumer == b.Consumer && slices.Equal(a.Scopes, b.Scopes) &&
		slices.Equal(a.Roles, b.Roles) && a.Method == b.Method && a.Issuer == b.Issuer &&
		a.CredentialID == b.CredentialID && a.ExpiresAt.Equal(b.ExpiresAt) && a.Claims == nil
}

func TestStoreErrorNeverAuthenticates(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	key, _ := f.create(t, CreateRequest{})
	do := serve(t, f.verifier(t, Config{}))
	f.st.fail.Store(true)
	if got := do("", key); got.Reason != "error" || got.Principal != nil {
		t.Fatalf("with the store down: %+v; want a plain error and no principal", got)
	}
	f.st.fail.Store(false)
	if got := do("", key); got.Principal == nil {
		t.Fatalf("after recovery: %+v; want a principal", got)
	}
}

func TestCachedAcceptanceNeverOutlivesTTLOrExpiry(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	long, _ := f.create(t, CreateRequest{})
	short, _ := f.create(t, CreateRequest{ExpiresIn: 10 * time.Second})
	do := serve(t, f.verifier(t, Config{CacheTTL: 30 * time.Second}))
	for _, k := range []string{long, short} {
		if do("", k).Principal == nil {
			t.Fatal("a valid key was refused")
		}
	}
	f.clock.Advance(10 * time.Second)
	if got := do("", short); got.Reason != authn.ReasonExpired {
		t.Errorf("at expiry: %+v, want expired despite the cache", got)
	}
	before := f.st.lookups.Load()
	f.clock.Advance(20 * time.Second)
	if do("", long).Principal == nil || f.st.lookups.Load() != before+1 {
		t.Errorf("after cache_ttl: want the key looked up again (lookups %d → %d)", before, f.st.lookups.Load())
	}
}

func TestRotationOverlap(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			f := newFixture(t, be.dsn(t))
			old, oldID := f.create(t, CreateRequest{Scopes: []string{"read"}, ExpiresIn: 90 * 24 * time.Hour})
			do := serve(t, f.verifier(t, Config{CacheTTL: time.Second}))
			if do("", old).Principal == nil {
				t.Fatal("old key refused before rotation")
			}
			next, k, err := f.mgr.Rotate(context.Background(), oldID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if k.RotatedFrom != oldID || k.Hash != nil || !k.ExpiresAt.Equal(f.clock.Now().Add(90*24*time.Hour)) {
				t.Errorf("rotated key %+v: want rotated_from, no hash and the same lifetime", k)
			}
			f.clock.Advance(59 * time.Minute)
			for name, key := range map[string]string{"old": old, "new": next} {
				if p := do("", key).Principal; p == nil || !slices.Equal(p.Scopes, []string{"read"}) {
					t.Errorf("%s key during the overlap: %+v", name, p)
				}
			}
			f.clock.Advance(time.Minute)
			if got := do("", old); got.Reason != authn.ReasonExpired {
				t.Errorf("old key after the overlap: %+v, want expired", got)
			}
			if do("", next).Principal == nil {
				t.Error("new key refused after the overlap")
			}
		})
	}
}

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	for name, cfg := range map[string]Config{
		"no pepper":    {},
		"short pepper": {Pepper: testPepper[:10]},
		"negative ttl": {Pepper: testPepper, CacheTTL: -time.Second},
	} {
		if _, err := NewVerifier(cfg, f.st, nil); err == nil {
			t.Errorf("%s: NewVerifier succeeded", name)
		}
	}
	if _, err := NewVerifier(Config{Pepper: testPepper}, nil, nil); err == nil {
		t.Error("NewVerifier without a store succeeded")
	}
}

func TestStripAndScheme(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	v := f.verifier(t, Config{Header: "x-custom-key"})
	h := http.Header{}
	h.Set("X-Custom-Key", "bwk_x")
	h.Set("X-Other", "kept")
	v.Strip(h)
	if h.Get("X-Custom-Key") != "" || h.Get("X-Other") != "kept" || v.Scheme() != "ApiKey" {
		t.Errorf("after Strip: %v, scheme %q", h, v.Scheme())
	}
}
