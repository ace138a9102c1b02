package principal

import (
	"context"
	"slices"
	"testing"
)

func TestScopesAndRoles(t *testing.T) {
	p := &Principal{Scopes: NormalizeScopes([]string{"write", "read", "admin:all", "read"}), Roles: []string{"support", "admin"}}
	if want := []string{"admin:all", "read", "write"}; !slices.Equal(p.Scopes, want) {
		t.Fatalf("NormalizeScopes = %q, want %q", p.Scopes, want)
	}
	cases := []struct {
		name string
		p    *Principal
		has  []string // scopes HasScope must find
		not  []string // scopes it must not
		all  []string // HasAllScopes true
		some []string // HasAllScopes false (one missing)
		role string   // HasRole true
		nope string   // HasRole false
	}{
		{name: "caller", p: p,
			has: []string{"read", "write", "admin:all"}, not: []string{"", "Read", "admin", "read ", "writ"},
			all: []string{"read", "write"}, some: []string{"read", "delete"},
			role: "admin", nope: "Admin"},
		{name: "anonymous", p: nil,
			not: []string{"read", ""}, some: []string{"read"}, nope: "admin"},
		{name: "no scopes", p: &Principal{},
			not: []string{"read", ""}, some: []string{"read"}, nope: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range c.has {
				if !c.p.HasScope(s) {
					t.Errorf("HasScope(%q) = false, want true", s)
				}
			}
			for _, s := range c.not {
				if c.p.HasScope(s) {
					t.Errorf("HasScope(%q) = true, want false", s)
				}
			}
			if c.all != nil && !c.p.HasAllScopes(c.all) {
				t.Errorf("HasAllScopes(%q) = false, want true", c.all)
			}
			if c.p.HasAllScopes(c.some) {
				t.Errorf("HasAllScopes(%q) = true, want false", c.some)
			}
			if c.role != "" && !c.p.HasRole(c.role) {
				t.Errorf("HasRole(%q) = false, want true", c.role)
			}
			if c.p.HasRole(c.nope) {
				t.Errorf("HasRole(%q) = true, want false", c.nope)
			}
		})
	}
}

func TestID(t *testing.T) {
	cases := []struct {
		p    *Principal
		want string
	}{
		{nil, ""},
		{&Principal{Subject: "alice", Consumer: "app"}, "alice"},
		{&Principal{Consumer: "app"}, "app"},
		{&Principal{}, ""},
	}
	for _, c := range cases {
		if got := c.p.ID(); got != c.want {
			t.Errorf("ID(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if From(ctx) != nil {
		t.Fatal("From(empty context) is not nil")
	}
	p := &Principal{Subject: "alice"}
	ctx = With(ctx, p)
	if From(ctx) != p {
		t.Fatal("From does not return the principal With stored")
	}
	// A value of another package under an equal-looking key is not a principal.
	type otherKey struct{}
	if From(context.WithValue(context.Background(), otherKey{}, p)) != nil {
		t.Fatal("From read a value stored under another key")
	}
	if From(With(ctx, nil)) != nil {
		t.Fatal("an anonymous request below an authenticated one reads as authenticated")
	}
}
