package authz

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/route"
)

// fakeRecords is an in-memory Records: object type → id → owner.
type fakeRecords struct {
	owners   map[string]string // "type:id" → owner
	err      error             // returned by Owner
	recErr   error             // returned by Record
	recorded []string          // "type:id=owner" per Record
}

func (f *fakeRecords) Owner(_ context.Context, typ, id string) (string, bool, error) {
	if f.err != nil {
		return "", false, f.err
	}
	o, ok := f.owners[typ+":"+id]
	return o, ok, nil
}

func (f *fakeRecords) Record(_ context.Context, typ, id, owner string) error {
	f.recorded = append(f.recorded, typ+":"+id+"="+owner)
	if f.owners == nil {
		f.owners = map[string]string{}
	}
	f.owners[typ+":"+id] = owner
	return f.recErr
}

var (
	alice = &principal.Principal{Subject: "alice", Consumer: "app", Roles: []string{"user"},
		Claims: map[string]any{"tenant": "t1", "n": 7}}
	bob   = &principal.Principal{Subject: "bob", Roles: []string{"user", "support"}}
	admin = &principal.Principal{Subject: "root", Roles: []string{"admin", "user"}}
)

// request is one request a case sends.
type request struct {
	method, target string
	body           string // sent as JSON through hygiene (unique keys) unless ctype is set
	ctype          string
	loose          bool // buffer the JSON without the duplicate-key check
	header         http.Header
	params         []route.Param
	who            *principal.Principal
	gql            exchange.ArgReader // an admitted GraphQL request's arguments
}

func (q request) exchange(t *testing.T) *exchange.Exchange {
	t.Helper()
	method := q.method
	if method == "" {
		method = "GET"
	}
	target := q.target
	if target == "" {
		target = "/orders/1"
	}
	var r *http.Request
	if q.body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(q.body))
		ct := q.ctype
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
		if p := hygiene.PrepareBody(httptest.NewRecorder(), r, &hygiene.Limits{JSONUniqueKeys: !q.loose}); p != nil {
			t.Fatalf("hygiene refused the test body: %v", p)
		}
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	for k, vs := range q.header {
		r.Header[k] = vs
	}
	return &exchange.Exchange{Req: r, Route: "orders", Match: route.Match{Params: q.params}, Principal: q.who, GraphQL: q.gql}
}

func param(name, v string) []route.Param { return []route.Param{{Name: name, Value: v}} }

func TestCheck(t *testing.T) {
	rec := &fakeRecords{owners: map[string]string{"order:1": "alice", "order:2": "bob"}}
	records := func() (Records, error) { return rec, nil }
	unauth := func() *httperr.Problem {
		return httperr.New(http.StatusUnauthorized, "credentials_missing", "route challenge")
	}
	byParam := []OwnerRule{{ID: "own", Source: "param", Name: "id", Object: "order"}}
	byArg := []OwnerRule{{ID: "gq", Source: "graphql", Name: "Query.order", Arg: "id", Object: "order"}}
	cases := []struct {
		name   string
		o      Options
		q      request
		status int    // 0: allowed
		code   string // problem code, or the reason when it differs
		rule   string // x.Notes.Rule
		object string // x.Notes.Object
		body   string // the body forwarded upstream, when checked
	}{
		// Who may call at all.
		{name: "anonymous on a route needing a caller: the route's 401", o: Options{Roles: []string{"user"}},
			q: request{}, status: 401, code: "credentials_missing", rule: "authenticated"},
		{name: "anonymous on an owner route", o: Options{Owner: byParam}, q: request{params: param("id", "1")},
			status: 401, rule: "authenticated"},
		{name: "anonymous on a route with only a policy: decided by the policy", o: Options{Policy: `method == "GET"`},
			q: request{}},
		{name: "anonymous refused by the policy", o: Options{Policy: `principal.sub == "alice"`},
			q: request{}, status: 403, code: "policy_denied", rule: "policy"},
		{name: "anonymous with readonly fields and no body", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q: request{method: "POST"}},

		// Roles and administrative routes.
		{name: "role held", o: Options{Roles: []string{"support", "user"}}, q: request{who: alice}},
		{name: "no role held", o: Options{Roles: []string{"support"}}, q: request{who: alice},
			status: 403, code: "insufficient_role", rule: "roles"},
		{name: "all roles held", o: Options{Roles: []string{"support", "user"}, RolesAll: true}, q: request{who: bob}},
		{name: "one of all roles missing", o: Options{Roles: []string{"support", "user"}, RolesAll: true},
			q: request{who: alice}, status: 403, code: "insufficient_role", rule: "roles"},
		{name: "admin route, admin", o: Options{Admin: true}, q: request{who: admin}},
		{name: "admin route, user", o: Options{Admin: true}, q: request{who: alice},
			status: 403, code: "admin_only", rule: "admin"},

		// Owner rules: equals.
		{name: "param equals sub", o: Options{Owner: []OwnerRule{{ID: "me", Source: "param", Name: "user", Equals: "sub"}}},
			q: request{who: alice, params: param("user", "alice")}, object: "user:alice"},
		{name: "param is someone else's", o: Options{Owner: []OwnerRule{{ID: "me", Source: "param", Name: "user", Equals: "sub"}}},
			q: request{who: alice, params: param("user", "bob")}, status: 403, code: "not_owner", rule: "me", object: "user:bob"},
		{name: "hidden: 404", o: Options{Owner: []OwnerRule{{ID: "me", Source: "param", Name: "user", Equals: "sub", Hide: true}}},
			q: request{who: alice, params: param("user", "bob")}, status: 404, code: "not_owner", rule: "me", object: "user:bob"},
		{name: "empty id denied", o: Options{Owner: []OwnerRule{{ID: "me", Source: "param", Name: "user", Equals: "sub"}}},
			q: request{who: alice, params: param("user", "")}, status: 403, code: "not_owner", rule: "me", object: "user:"},
		{name: "path parameter missing", o: Options{Owner: []OwnerRule{{ID: "me", Source: "query", Name: "user", Equals: "sub"}}},
			q: request{who: alice}, status: 400, code: "object_id_invalid", rule: "me"},
		{name: "claim equals", o: Options{Owner: []OwnerRule{{ID: "t", Source: "header", Name: "X-Tenant", Equals: "claim:tenant"}}},
			q: request{who: alice, header: http.Header{"X-Tenant": {"t1"}}}, object: "X-Tenant:t1"},
		{name: "numeric claim equals", o: Options{Owner: []OwnerRule{{ID: "n", Source: "query", Name: "n", Equals: "claim:n"}}},
			q: request{who: alice, target: "/orders?n=7"}, object: "n:7"},
		{name: "caller without the claim", o: Options{Owner: []OwnerRule{{ID: "t", Source: "header", Name: "X-Tenant", Equals: "claim:tenant"}}},
			q: request{who: bob, header: http.Header{"X-Tenant": {"t1"}}}, status: 403, rule: "t", code: "not_owner"},
		{name: "consumer equals", o: Options{Owner: []OwnerRule{{ID: "c", Source: "query", Name: "app", Equals: "consumer"}}},
			q: request{who: alice, target: "/x?app=app"}},
		{name: "unknown principal value", o: Options{Owner: []OwnerRule{{ID: "c", Source: "query", Name: "app", Equals: "issuer"}}},
			q: request{who: alice, target: "/x?app=app"}, status: 403, rule: "c"},
		{name: "batch: every id checked", o: Options{Owner: []OwnerRule{{ID: "c", Source: "query", Name: "u", Equals: "sub"}}},
			q: request{who: alice, target: "/x?u=alice&u=bob"}, status: 403, rule: "c", object: "u:bob"},
		{name: "long id cut in the audit object", o: Options{Owner: []OwnerRule{{ID: "c", Source: "param", Name: "u", Equals: "sub"}}},
			q: request{who: alice, params: param("u", strings.Repeat("x", 200))}, status: 403, rule: "c",
			object: "u:" + strings.Repeat("x", 128)},

		// Owner rules: records.
		{name: "record names the caller", o: Options{Owner: byParam}, q: request{who: alice, params: param("id", "1")}, object: "order:1"},
		{name: "record names another", o: Options{Owner: byParam}, q: request{who: alice, params: param("id", "2")},
			status: 403, code: "not_owner", rule: "own", object: "order:2"},
		{name: "no record", o: Options{Owner: byParam}, q: request{who: alice, params: param("id", "3")},
			status: 403, code: "not_owner", rule: "own", object: "order:3"},
		{name: "no record, unknown allowed", o: Options{Owner: []OwnerRule{{ID: "own", Source: "param", Name: "id", Object: "order", AllowUnknown: true}}},
			q: request{who: alice, params: param("id", "3")}, object: "order:3"},
		{name: "exempt role skips owner rules", o: Options{Owner: byParam, OwnerExemptRoles: []string{"support"}},
			q: request{who: bob, params: param("id", "1")}},

		// Owner rules in the body.
		{name: "body id owned", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `{"order":"1"}`}, object: "order:1"},
		{name: "body ids, one not owned", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "orders.*", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `{"orders":["1","2"]}`}, status: 403, rule: "b", object: "order:2"},
		{name: "body missing: the id is missing", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice}, status: 400, code: "object_id_invalid", rule: "b"},
		{name: "body without the id", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `{"other":"1"}`}, status: 400, code: "object_id_invalid", rule: "b"},
		{name: "body id not a plain value", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `{"order":{"id":"1"}}`}, status: 400, code: "object_id_invalid", rule: "b"},
		{name: "body not JSON: cannot be read", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `order=1`, ctype: "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "duplicate keys not ruled out: refused", o: Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "/order", Object: "order"}}},
			q: request{method: "POST", who: alice, body: `{"order":"1","order":"2"}`, loose: true}, status: 415, code: "unsupported_media_type"},

		// Owner rules on a GraphQL field argument (the GraphQL guard reads the
		// values: internal/graphql's TestArgValues).
		{name: "graphql: field not selected", o: Options{Owner: byArg}, q: request{method: "POST", who: alice, gql: args{}}},
		{name: "graphql: every id owned", o: Options{Owner: byArg}, q: request{method: "POST", who: alice, gql: args{"Query.order(id)": {"1"}}},
			object: "order:1"},
		{name: "graphql: one id of several is someone else's", o: Options{Owner: byArg},
			q:      request{method: "POST", who: alice, gql: args{"Query.order(id)": {"1", "2"}}},
			status: 403, code: "not_owner", rule: "gq", object: "order:2"},
		{name: "graphql: unusable id fails closed", o: Options{Owner: byArg},
			q:      request{method: "POST", who: alice, gql: args{"Query.order(id)": nil, "err": {"missing"}}},
			status: 400, code: "object_id_invalid", rule: "gq"},
		{name: "graphql: no admitted operation fails closed", o: Options{Owner: byArg},
			q: request{method: "POST", who: alice}, status: 400, code: "object_id_invalid", rule: "gq"},
		{name: "graphql: equals rule", o: Options{Owner: []OwnerRule{{ID: "me", Source: "graphql", Name: "Query.user", Arg: "id", Equals: "sub"}}},
			q: request{method: "POST", who: alice, gql: args{"Query.user(id)": {"bob"}}}, status: 403, code: "not_owner", rule: "me", object: "Query.user:bob"},

		// Write-protected fields.
		{name: "readonly field set: 422", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q: request{method: "POST", who: alice, body: `{"name":"a","role":"admin"}`}, status: 422, code: "mass_assignment", rule: "readonly_fields"},
		{name: "readonly field in another case", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q: request{method: "POST", who: alice, body: `{"ROLE":"admin"}`}, status: 422, code: "mass_assignment", rule: "readonly_fields"},
		{name: "readonly field nested under a bare name", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q: request{method: "POST", who: alice, body: `{"user":{"role":"admin"}}`}, status: 422, rule: "readonly_fields"},
		{name: "readonly field absent", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q: request{method: "POST", who: alice, body: `{"name":"a"}`}, body: `{"name":"a"}`},
		{name: "readonly field stripped", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "strip"},
			q: request{method: "POST", who: alice, body: `{"name":"a","role":"admin"}`}, rule: "readonly_fields", body: `{"name":"a"}`},
		{name: "body too deep to search", o: Options{ReadonlyFields: []string{"role"}, OnReadonly: "reject"},
			q:      request{method: "POST", who: alice, body: strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001)},
			status: 400, code: "json_too_deep"},

		// The CEL policy.
		{name: "policy true", o: Options{Policy: `principal.sub == "alice" && params.id == "1"`},
			q: request{who: alice, params: param("id", "1")}},
		{name: "policy false", o: Options{Policy: `"admin" in principal.roles`},
			q: request{who: alice}, status: 403, code: "policy_denied", rule: "policy"},
		{name: "policy error fails closed", o: Options{Policy: `int(query.n[0]) > 1`},
			q: request{who: alice, target: "/x?n=abc"}, status: 403, code: "policy_error", rule: "policy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := New(c.o, bodyDeps(Deps{Records: records, AdminRoles: []string{"admin"}, Unauthenticated: unauth}))
			if err != nil {
				t.Fatal(err)
			}
			x := c.q.exchange(t)
			p := g.Check(context.Background(), x)
			switch {
			case c.status == 0 && p != nil:
				t.Fatalf("refused %d %s (%s): %v", p.Status, p.Code, p.AuditReason(), p.Cause)
			case c.status != 0 && p == nil:
				t.Fatalf("allowed, want %d", c.status)
			case p != nil && p.Status != c.status:
				t.Fatalf("status %d %s, want %d", p.Status, p.Code, c.status)
			case p != nil && c.code != "" && p.Code != c.code && p.AuditReason() != c.code:
				t.Fatalf("code %s (reason %s), want %s", p.Code, p.AuditReason(), c.code)
			}
			if x.Notes.Rule != c.rule || (c.object != "" && x.Notes.Object != c.object) {
				t.Errorf("notes %+v, want rule %q object %q", x.Notes, c.rule, c.object)
			}
			if c.body != "" {
				got, _ := hygiene.UniqueKeyJSON(x.Req)
				if string(got) != c.body {
					t.Errorf("body upstream %s, want %s", got, c.body)
				}
			}
		})
	}
}

// args is an exchange.ArgReader: "Type.field(arg)" → values; an "err" entry
// makes every read fail.
type args map[string][]string

func (a args) ArgValues(field, arg string) ([]string, error) {
	if e := a["err"]; len(e) > 0 {
		return nil, errors.New(e[0])
	}
	return a[field+"("+arg+")"], nil
}

func TestCheckWithoutUnauthenticated(t *testing.T) {
	g, err := New(Options{Admin: true}, bodyDeps(Deps{}))
	if err != nil {
		t.Fatal(err)
	}
	x := request{}.exchange(t)
	if p := g.Check(context.Background(), x); p == nil || p.Status != 401 || p.Code != "credentials_missing" {
		t.Fatalf("got %+v", p)
	}
}

func TestCheckRecordsUnavailable(t *testing.T) {
	rec := &fakeRecords{err: errors.New("store down")}
	g, err := New(Options{Owner: []OwnerRule{{ID: "own", Source: "param", Name: "id", Object: "order"}}},
		bodyDeps(Deps{Records: func() (Records, error) { return rec, nil }}))
	if err != nil {
		t.Fatal(err)
	}
	x := request{who: alice, params: param("id", "1")}.exchange(t)
	p := g.Check(context.Background(), x)
	if p == nil || p.Status != 503 || p.Code != "authz_unavailable" || p.Header.Get("Retry-After") != "1" || x.Notes.Rule != "own" {
		t.Fatalf("got %+v, notes %+v", p, x.Notes)
	}
}

func TestEnumerationBlocks(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g, err := New(Options{Enumeration: &Enumeration{Window: time.Minute, Sequential: 3, BlockFor: 90 * time.Second}},
		bodyDeps(Deps{Now: func() time.Time { return now }}))
	if err != nil {
		t.Fatal(err)
	}
	if a := g.Observe("", "orders", "order:1", 200); a != nil {
		t.Fatal("an anonymous request was observed")
	}
	var alert bool
	for i := 1; i <= 3; i++ {
		x := request{who: alice}.exchange(t)
		if p := g.Check(context.Background(), x); p != nil {
			t.Fatalf("request %d refused: %v", i, p)
		}
		a := g.Observe(alice.ID(), "orders", "order:"+string(rune('0'+i)), 200)
		alert = alert || a != nil
	}
	if !alert {
		t.Fatal("three sequential ids did not trip the rule")
	}
	x := request{who: alice}.exchange(t)
	p := g.Check(context.Background(), x)
	if p == nil || p.Status != 403 || p.Code != "enumeration_blocked" || x.Notes.Rule != "enumeration" {
		t.Fatalf("after the alert: %+v", p)
	}
	if ra := p.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	if p := g.Check(context.Background(), request{who: bob}.exchange(t)); p != nil {
		t.Errorf("another caller was blocked: %v", p)
	}
	off, _ := New(Options{Roles: []string{"user"}}, bodyDeps(Deps{}))
	if off.Observe("alice", "orders", "order:1", 200) != nil {
		t.Error("a route without enumeration observed")
	}
}

func TestNew(t *testing.T) {
	ok := func() (Records, error) { return &fakeRecords{}, nil }
	failing := func() (Records, error) { return nil, errors.New("no store") }
	cases := []struct {
		name    string
		o       Options
		records func() (Records, error)
		err     string // "" = builds
	}{
		{"bad body path", Options{Owner: []OwnerRule{{ID: "b", Source: "body", Name: "a..b", Equals: "sub"}}}, ok, "owner rule b"},
		{"bad readonly field", Options{ReadonlyFields: []string{"a..b"}}, ok, "readonly field"},
		{"bad policy", Options{Policy: "principal.("}, ok, "policy"},
		{"bad enumeration", Options{Enumeration: &Enumeration{}}, ok, "enumeration"},
		{"bad filter array", Options{FilterList: &FilterList{Array: "a..b", OwnerField: "owner"}}, ok, "filter_list"},
		{"bad records path", Options{RecordsOwner: &RecordsOwner{Object: "o", From: "response:a..b", Owner: "sub"}}, ok, "records_owner"},
		{"records fail", Options{RecordsOwner: &RecordsOwner{Object: "o", From: "location", Owner: "sub"}}, failing, "no store"},
		{"records not given", Options{Owner: []OwnerRule{{ID: "o", Source: "param", Name: "id", Object: "order"}}}, nil, "need a store"},
		{"equals rules need no records", Options{Owner: []OwnerRule{{ID: "o", Source: "param", Name: "id", Equals: "sub"}}}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.o, bodyDeps(Deps{Records: c.records}))
			switch {
			case c.err == "" && err != nil:
				t.Fatal(err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name           string
		o              Options
		active, caller bool
		body           bool
	}{
		{"zero", Options{}, false, false, false},
		{"scopes any only", Options{ScopesAny: true}, false, false, false},
		{"roles", Options{Roles: []string{"a"}}, true, true, false},
		{"admin", Options{Admin: true}, true, true, false},
		{"owner by param", Options{Owner: []OwnerRule{{Source: "param", Name: "id", Equals: "sub"}}}, true, true, false},
		{"owner in the body", Options{Owner: []OwnerRule{{Source: "body", Name: "/id", Equals: "sub"}}}, true, true, true},
		{"records owner", Options{RecordsOwner: &RecordsOwner{Object: "o", From: "location"}}, true, true, false},
		{"filter list", Options{FilterList: &FilterList{OwnerField: "owner", Equals: "sub"}}, true, true, false},
		{"readonly", Options{ReadonlyFields: []string{"role"}}, true, false, true},
		{"enumeration", Options{Enumeration: &Enumeration{Window: time.Minute, Sequential: 5}}, true, false, false},
		{"policy", Options{Policy: "true"}, true, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.o.Active() != c.active || c.o.NeedsCaller() != c.caller {
				t.Errorf("active %v caller %v, want %v %v", c.o.Active(), c.o.NeedsCaller(), c.active, c.caller)
			}
			if !c.active {
				return
			}
			g, err := New(c.o, bodyDeps(Deps{Records: func() (Records, error) { return &fakeRecords{}, nil }}))
			if err != nil {
				t.Fatal(err)
			}
			if g.ReadsBody() != c.body {
				t.Errorf("ReadsBody %v, want %v", g.ReadsBody(), c.body)
			}
		})
	}
}

func TestWithReadOnly(t *testing.T) {
	o := Options{ReadonlyFields: []string{"role"}}
	if got := o.WithReadOnly(nil); len(got.ReadonlyFields) != 1 {
		t.Fatalf("no document fields changed the options: %v", got.ReadonlyFields)
	}
	got := o.WithReadOnly([]string{"id", "/created/at", "a/b~c", "items.*.id", "*", "bad..x"})
	want := []string{"role", "/id", "/created/at", "/a~1b~0c", "items.*.id", "*", "bad..x"}
	if strings.Join(got.ReadonlyFields, " ") != strings.Join(want, " ") {
		t.Errorf("fields %q, want %q", got.ReadonlyFields, want)
	}
	if len(o.ReadonlyFields) != 1 {
		t.Errorf("the original options changed: %v", o.ReadonlyFields)
	}
	// A document's top-level "id" is anchored: an id nested elsewhere passes.
	g, err := New(Options{OnReadonly: "reject"}.WithReadOnly([]string{"id"}), bodyDeps(Deps{}))
	if err != nil {
		t.Fatal(err)
	}
	x := request{method: "POST", who: alice, body: `{"item":{"id":"1"}}`}.exchange(t)
	if p := g.Check(context.Background(), x); p != nil {
		t.Errorf("nested id refused: %v", p)
	}
	x = request{method: "POST", who: alice, body: `{"id":"1"}`}.exchange(t)
	if p := g.Check(context.Background(), x); p == nil || p.Status != 422 {
		t.Errorf("top-level id: %v", p)
	}
}

// bodyDeps gives d the request body access the gateway gives every route:
// the body the hygiene stage validated, and its rewrite.
func bodyDeps(d Deps) Deps {
	d.Body, d.SetBody = hygiene.UniqueKeyJSON, hygiene.SetUniqueKeyJSON
	return d
}

// Rules that read the body cannot be built without a way to read it: a guard
// that could not see the body would let every body past.
func TestNewRefusesBodyRulesWithoutBodyAccess(t *testing.T) {
	readonly := Options{OnReadonly: "reject"}.WithReadOnly([]string{"role"})
	if _, err := New(readonly, Deps{}); err == nil || !strings.Contains(err.Error(), "body access") {
		t.Fatalf("readonly fields without body access: %v", err)
	}
	if _, err := New(readonly, Deps{Body: hygiene.UniqueKeyJSON}); err == nil {
		t.Fatal("readonly fields without SetBody built")
	}
	// A route whose rules do not read the body needs none.
	if _, err := New(Options{Roles: []string{"user"}}, Deps{}); err != nil {
		t.Fatalf("no body rules: %v", err)
	}
}
