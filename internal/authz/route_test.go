package authz

import (
	"errors"
	"strings"
	"testing"
)

func TestForRoute(t *testing.T) {
	recs := func() (Records, error) { return &fakeRecords{}, nil }
	cases := []struct {
		name     string
		o        Options
		readOnly []string
		records  func() (Records, error)
		guard    bool
		body     bool   // the guard reads the body
		err      string // "" = builds
	}{
		{name: "nothing beyond scopes", o: Options{ScopesAny: true}},
		{name: "zero options, no document fields", o: Options{}},
		{name: "document fields alone make a guard", o: Options{OnReadonly: "reject"}, readOnly: []string{"id"}, guard: true, body: true},
		{name: "document fields join the route's", o: Options{ReadonlyFields: []string{"role"}}, readOnly: []string{"id"}, guard: true, body: true},
		{name: "roles", o: Options{Roles: []string{"user"}}, guard: true},
		{name: "owner records from the store", o: Options{Owner: []OwnerRule{{ID: "o", Source: "param", Name: "id", Object: "order"}}},
			records: recs, guard: true},
		{name: "a broken option fails", o: Options{Policy: "principal.("}, err: "policy"},
		{name: "a bad document field fails", o: Options{}, readOnly: []string{"a..b"}, err: "readonly field"},
		{name: "records that cannot be had fail", o: Options{Owner: []OwnerRule{{ID: "o", Source: "param", Name: "id", Object: "order"}}},
			records: func() (Records, error) { return nil, errors.New("no store") }, err: "no store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := ForRoute(c.o, c.readOnly, bodyDeps(Deps{Records: c.records}))
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) || g != nil {
					t.Fatalf("got %v, %v; want an error containing %q", g, err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			case (g != nil) != c.guard:
				t.Fatalf("guard %v, want one: %v", g, c.guard)
			case g != nil && g.ReadsBody() != c.body:
				t.Errorf("ReadsBody %v, want %v", g.ReadsBody(), c.body)
			}
		})
	}
	o := Options{ReadonlyFields: []string{"role"}}
	if _, err := ForRoute(o, []string{"id"}, bodyDeps(Deps{})); err != nil || len(o.ReadonlyFields) != 1 {
		t.Errorf("the route's options changed: %v (%v)", o.ReadonlyFields, err)
	}
}

// concrete is records of a concrete type, as ownership.Shared.Get returns them.
type concrete struct{ fakeRecords }

func TestRecordsFrom(t *testing.T) {
	want := &concrete{}
	cases := []struct {
		name string
		get  func() (*concrete, error)
		err  bool
	}{
		{"records", func() (*concrete, error) { return want, nil }, false},
		{"failure is a nil interface", func() (*concrete, error) { return nil, errors.New("no store") }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, err := RecordsFrom(c.get)()
			if c.err {
				if err == nil || rec != nil { // a typed nil would be non-nil here
					t.Fatalf("got %#v, %v; want nil and an error", rec, err)
				}
				return
			}
			if err != nil || rec != Records(want) {
				t.Fatalf("got %v, %v; want the getter's records", rec, err)
			}
		})
	}
}
