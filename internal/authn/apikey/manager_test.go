package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestManagerCreateStoresOnlyAHash(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			f := newFixture(t, be.dsn(t))
			plain, k, err := f.mgr.Create(context.Background(), CreateRequest{Consumer: "shop", Subject: "alice",
				Scopes: []string{"orders:read"}, Metadata: map[string]string{"env": "prod"}, ExpiresIn: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if id, err := ParseKey(plain); err != nil || id != k.ID || k.Hash != nil {
				t.Fatalf("Create returned %q / %+v: want a well-formed key of that id and no hash", plain, k)
			}
			stored, err := f.st.KeyByID(context.Background(), k.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := newHasherMust(t).sum(plain)
			if string(stored.Hash) != string(want[:]) {
				t.Error("stored hash is not HMAC-SHA-256(pepper, key)")
			}
			secret := plain[secStart:sumStart]
			if strings.Contains(string(stored.Hash), secret[:6]) {
				t.Error("stored hash contains part of the secret")
			}
			listed, err := f.mgr.List(context.Background(), store.KeyFilter{Consumer: "shop"})
			if err != nil || len(listed) != 1 {
				t.Fatalf("List = %v, %v", listed, err)
			}
			js, _ := json.Marshal(listed)
			for _, leak := range []string{plain, secret, "hash"} {
				if strings.Contains(string(js), leak) {
					t.Errorf("listing JSON %s contains %q", js, leak)
				}
			}
		})
	}
}

func newHasherMust(t *testing.T) *hasher {
	h, err := newHasher(testPepper)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestManagerValidates(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	cases := map[string]CreateRequest{
		"no consumer":      {},
		"control in name":  {Consumer: "shop\n"},
		"space in scope":   {Consumer: "shop", Scopes: []string{"read write"}},
		"empty role":       {Consumer: "shop", Roles: []string{""}},
		"negative expiry":  {Consumer: "shop", ExpiresIn: -time.Second},
		"quote in scope":   {Consumer: "shop", Scopes: []string{`a"b`}},
		"long consumer":    {Consumer: strings.Repeat("x", maxNameLen+1)},
		"too many entries": {Consumer: "shop", Scopes: make([]string, maxListLen+1)},
	}
	for name, req := range cases {
		if _, _, err := f.mgr.Create(context.Background(), req); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: Create = %v, want ErrInvalidRequest", name, err)
		}
	}
	keys, _ := f.mgr.List(context.Background(), store.KeyFilter{IncludeRevoked: true})
	if len(keys) != 0 {
		t.Errorf("refused creates stored %d keys", len(keys))
	}
}

func TestManagerErrors(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	if err := f.mgr.Revoke(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revoke(unknown) = %v, want ErrNotFound", err)
	}
	if _, _, err := f.mgr.Rotate(ctx, "nope", time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Rotate(unknown) = %v, want ErrNotFound", err)
	}
	_, id := f.create(t, CreateRequest{})
	if _, _, err := f.mgr.Rotate(ctx, id, -time.Hour); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Rotate with a negative overlap = %v, want ErrInvalidRequest", err)
	}
	if err := f.mgr.Revoke(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.mgr.Rotate(ctx, id, time.Hour); !errors.Is(err, ErrInvalidRequest) || !errors.Is(err, store.ErrKeyRevoked) {
		t.Errorf("Rotate(revoked) = %v, want ErrInvalidRequest and ErrKeyRevoked", err)
	}
	if _, err := NewManager(f.st.Store, []byte("short"), nil); err == nil {
		t.Error("NewManager with a short pepper succeeded")
	}
}
