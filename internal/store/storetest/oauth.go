package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// RunOAuth runs the conformance cases of the OAuth tables.
func RunOAuth(t *testing.T, open Opener) {
	t.Run("OAuthClients", func(t *testing.T) { testOAuthClients(t, open(t)) })
	t.Run("OAuthGrants", func(t *testing.T) { testOAuthGrants(t, open(t)) })
	t.Run("OAuthTokenClaimIsExclusive", func(t *testing.T) { testOAuthClaim(t, open(t)) })
	t.Run("OAuthKeysAndLogins", func(t *testing.T) { testOAuthKeys(t, open(t)) })
	t.Run("OAuthConcurrentConsent", func(t *testing.T) { testOAuthConcurrentConsent(t, open(t)) })
}

func testOAuthClients(t *testing.T, s *store.Store) {
	ctx := context.Background()
	c := &store.OAuthClient{ID: "app", Name: "App ' \"; DROP", SecretHash: make([]byte, 32), RedirectURIs: []string{"https://a/cb"},
		Scopes: []string{"x"}, Grants: []string{"authorization_code"}, FirstParty: true, CreatedAt: base()}
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOAuthClient(ctx, c); !errors.Is(err, store.ErrOAuthConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	got, err := s.OAuthClient(ctx, "app")
	if err != nil || got.Name != c.Name || !got.FirstParty || got.Public || len(got.RedirectURIs) != 1 || !got.CreatedAt.Equal(base().Truncate(time.Microsecond)) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := s.OAuthClient(ctx, "nobody"); !errors.Is(err, store.ErrOAuthNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	tok := &store.OAuthToken{Signature: "s1", Kind: store.TokenAccess, RequestID: "r1", ClientID: "app", Data: []byte("{}"), ExpiresAt: base().Add(time.Hour)}
	if err := s.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOAuthClient(ctx, "app", base()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OAuthToken(ctx, store.TokenAccess, "s1"); got.State != store.TokenRevoked {
		t.Fatalf("token of a revoked client: %s", got.State)
	}
	revs, err := s.OAuthRevocationsSince(ctx, 0)
	if err != nil || len(revs) != 1 || revs[0].Kind != store.RevokeClient || revs[0].Value != "app" {
		t.Fatalf("revocations %+v %v", revs, err)
	}
	if err := s.RevokeOAuthClient(ctx, "app", base()); !errors.Is(err, store.ErrOAuthNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}

func testOAuthGrants(t *testing.T, s *store.Store) {
	ctx := context.Background()
	g := &store.OAuthGrant{ID: "g1", UserID: "u1", ClientID: "app", Scopes: []string{"a"}, CreatedAt: base()}
	if err := s.SaveOAuthGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	g2 := &store.OAuthGrant{ID: "g2", UserID: "u1", ClientID: "app", Scopes: []string{"b"}}
	if err := s.SaveOAuthGrant(ctx, g2); err != nil {
		t.Fatal(err)
	}
	if g2.ID != "g1" || len(g2.Scopes) != 2 {
		t.Fatalf("widened grant: %+v", g2)
	}
	if err := s.TouchOAuthGrant(ctx, "g1", base().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	list, err := s.OAuthGrants(ctx, "u1")
	if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := s.RevokeOAuthGrant(ctx, "someone-else", "g1", base()); !errors.Is(err, store.ErrOAuthNotFound) {
		t.Fatalf("another user's grant: %v", err)
	}
	if err := s.RevokeOAuthGrant(ctx, "u1", "g1", base()); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.OAuthGrants(ctx, "u1"); len(list) != 0 {
		t.Fatalf("revoked grant listed: %+v", list)
	}
	if _, err := s.OAuthGrantFor(ctx, "u1", "app"); !errors.Is(err, store.ErrOAuthNotFound) {
		t.Fatalf("revoked grant found: %v", err)
	}
}

func testOAuthClaim(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tok := &store.OAuthToken{Signature: "r", Kind: store.TokenRefresh, RequestID: "f", ClientID: "app", Data: []byte("{}"), ExpiresAt: base().Add(time.Hour)}
	if err := s.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.SetOAuthTokenState(ctx, store.TokenRefresh, "r", store.TokenActive, store.TokenRotating, base())
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d concurrent claims won, want 1", won)
	}
	if err := s.SetOAuthReplay(ctx, "r", []byte("sealed"), base()); err != nil {
		t.Fatal(err)
	}
	got, err := s.OAuthToken(ctx, store.TokenRefresh, "r")
	if err != nil || got.State != store.TokenRotated || string(got.Replay) != "sealed" || got.RotatedAt.IsZero() {
		t.Fatalf("after rotation: %+v %v", got, err)
	}
	if err := s.RevokeOAuthFamily(ctx, "f", "", base()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OAuthToken(ctx, store.TokenRefresh, "r"); got.State != store.TokenRevoked {
		t.Fatalf("family revoke: %s", got.State)
	}
}

func testOAuthKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	k := &store.OAuthKey{KID: "k1", Alg: "ES256", PublicJWK: "{}", PrivateEnc: []byte("enc"), CreatedAt: base(), SignsFrom: base()}
	if err := s.AddOAuthKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.RetireOAuthKey(ctx, "k1", base(), base().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys, err := s.OAuthKeys(ctx, base()); err != nil || len(keys) != 1 || keys[0].RetiredAt.IsZero() {
		t.Fatalf("keys %+v %v", keys, err)
	}
	if keys, _ := s.OAuthKeys(ctx, base().Add(2*time.Hour)); len(keys) != 0 {
		t.Fatalf("dropped key still listed: %+v", keys)
	}
	h := []byte("0123456789abcdef0123456789abcdef")
	if err := s.CreateOAuthLogin(ctx, h, "u1", base(), base().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, err := s.OAuthLogin(ctx, h, base().Add(time.Minute)); err != nil || u != "u1" {
		t.Fatalf("login %q %v", u, err)
	}
	if _, err := s.OAuthLogin(ctx, h, base().Add(2*time.Hour)); !errors.Is(err, store.ErrOAuthNotFound) {
		t.Fatalf("expired login: %v", err)
	}
}

// testOAuthConcurrentConsent: concurrent consents of one user to one client
// leave one live grant holding every scope.
func testOAuthConcurrentConsent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, sc := range []string{"a", "b", "c", "d", "e", "f"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := &store.OAuthGrant{ID: "g" + sc, UserID: "u", ClientID: "app", Scopes: []string{sc}, CreatedAt: base().Add(time.Duration(i))}
			if err := s.SaveOAuthGrant(ctx, g); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list, err := s.OAuthGrants(ctx, "u")
	if err != nil || len(list) != 1 || len(list[0].Scopes) != 6 {
		t.Fatalf("grants after concurrent consents: %+v %v", list, err)
	}
}
