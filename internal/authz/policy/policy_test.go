package policy

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

func alice() *principal.Principal {
	return &principal.Principal{
		Subject:  "alice",
		Consumer: "web",
		Scopes:   []string{"orders:read", "orders:write"},
		Roles:    []string{"user"},
		Method:   principal.MethodJWT,
		Issuer:   "https://idp.example",
		Claims: map[string]any{
			"tenant": "t1",
			"org":    "acme",
			"staff":  true,
			"level":  float64(5), // JSON numbers decode as float64
			"groups": []any{"eng", "ops"},
			"addr":   map[string]any{"country": "NL"},
		},
	}
}

func admin() *principal.Principal {
	return &principal.Principal{Subject: "root", Roles: []string{"admin"}, Method: principal.MethodAPIKey, Issuer: "bulwark"}
}

func req(p *principal.Principal, method, path string, params map[string]string) *Input {
	h := http.Header{}
	h.Set("X-Tenant", "t1")
	h.Add("Accept", "application/json")
	return &Input{
		Principal: p,
		Params:    params,
		Query:     url.Values{"ids": {"1", "2", "3"}, "q": {"x"}},
		Headers:   h,
		Method:    method,
		Path:      path,
	}
}

func TestEval(t *testing.T) {
	own := map[string]string{"user_id": "alice", "id": "alice"}
	other := map[string]string{"user_id": "bob", "id": "bob"}
	tests := []struct {
		name string
		expr string
		in   *Input
		want bool
	}{
		{"owner matches", `principal.sub == params.user_id`, req(alice(), "GET", "/users/alice", own), true},
		{"owner differs", `principal.sub == params.user_id`, req(alice(), "GET", "/users/bob", other), false},
		{"admin role", `"admin" in principal.roles || principal.sub == params.id`, req(admin(), "GET", "/x", other), true},
		{"owner not admin", `"admin" in principal.roles || principal.sub == params.id`, req(alice(), "GET", "/x", own), true},
		{"neither", `"admin" in principal.roles || principal.sub == params.id`, req(alice(), "GET", "/x", other), false},
		{"tenant header", `principal.claims.tenant == headers["x-tenant"][0]`, req(alice(), "GET", "/", nil), true},
		{"public GET", `method == "GET" && path.startsWith("/public/")`, req(nil, "GET", "/public/a", nil), true},
		{"public POST", `method == "GET" && path.startsWith("/public/")`, req(nil, "POST", "/public/a", nil), false},
		{"private GET", `method == "GET" && path.startsWith("/public/")`, req(nil, "GET", "/admin", nil), false},
		{"has org", `has(principal.claims.org) && principal.claims.org == "acme"`, req(alice(), "GET", "/", nil), true},
		{"no org claim", `has(principal.claims.org) && principal.claims.org == "acme"`, req(admin(), "GET", "/", nil), false},
		{"ids within limit", `size(query["ids"]) <= 10`, req(nil, "GET", "/", nil), true},
		{"ids over limit", `size(query["ids"]) <= 2`, req(nil, "GET", "/", nil), false},
		{"scope", `"orders:write" in principal.scopes`, req(alice(), "GET", "/", nil), true},
		{"numeric claim", `principal.claims.level >= 3`, req(alice(), "GET", "/", nil), true},
		{"numeric claim eq", `principal.claims.level == 5`, req(alice(), "GET", "/", nil), true},
		{"list claim", `"ops" in principal.claims.groups`, req(alice(), "GET", "/", nil), true},
		{"nested claim", `principal.claims.addr.country == "NL"`, req(alice(), "GET", "/", nil), true},
		{"header present", `"accept" in headers`, req(nil, "GET", "/", nil), true},
		{"header absent", `"x-missing" in headers`, req(nil, "GET", "/", nil), false},
		{"has header", `has(headers.accept)`, req(nil, "GET", "/", nil), true},
		{"header exists macro", `headers.exists(k, k == "x-tenant")`, req(nil, "GET", "/", nil), true},
		{"query all", `query["ids"].all(i, int(i) < 100)`, req(nil, "GET", "/", nil), true},
		{"query absent key", `!("nope" in query)`, req(nil, "GET", "/", nil), true},
		{"authenticated", `principal.authenticated`, req(alice(), "GET", "/", nil), true},
		{"dyn bool claim", `principal.claims.staff`, req(alice(), "GET", "/", nil), true},
		{"has sub", `has(principal.sub)`, req(alice(), "GET", "/", nil), true},
		{"method field", `principal.method == "jwt" && principal.issuer.startsWith("https://")`, req(alice(), "GET", "/", nil), true},
		{"consumer", `principal.consumer == "web"`, req(alice(), "GET", "/", nil), true},
		{"map size", `size(principal) == 8 && size(headers) == 2`, req(alice(), "GET", "/", nil), true},
		{"map equality", `params == {"user_id": "alice", "id": "alice"} && headers == {"x-tenant": ["t1"], "accept": ["application/json"]}`,
			req(alice(), "GET", "/", own), true},
		{"map keys", `params.all(k, k in ["id", "user_id"]) && query.exists_one(k, k == "q")`, req(alice(), "GET", "/", own), true},
		{"regex", `path.matches("^/v[0-9]+/orders$")`, req(nil, "GET", "/v2/orders", nil), true},
		// Anonymous: empty map with empty lists, authenticated false.
		{"anon not authenticated", `!principal.authenticated`, req(nil, "GET", "/", nil), true},
		{"anon no roles", `size(principal.roles) == 0 && size(principal.scopes) == 0`, req(nil, "GET", "/", nil), true},
		{"anon no claims", `!has(principal.claims.org)`, req(nil, "GET", "/", nil), true},
		{"anon no sub", `!has(principal.sub)`, req(nil, "GET", "/", nil), true},
		{"anon admin check", `"admin" in principal.roles`, req(nil, "GET", "/", nil), false},
		{"anon guarded", `principal.authenticated && principal.sub == params.id`, req(nil, "GET", "/", other), false},
		{"anon map size", `size(principal) == 4`, req(nil, "GET", "/", nil), true},
		// Empty subject is absent, never equal to an empty parameter.
		{"key without subject", `!has(principal.sub) && principal.consumer == "app"`,
			req(&principal.Principal{Consumer: "app", Method: principal.MethodAPIKey}, "GET", "/", map[string]string{"id": ""}), true},
		{"nil input maps", `size(params) == 0 && size(query) == 0 && size(headers) == 0`, &Input{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tc.expr, err)
			}
			got, err := p.Eval(tc.in)
			if err != nil {
				t.Fatalf("Eval(%q): %v", tc.expr, err)
			}
			if got != tc.want {
				t.Errorf("Eval(%q) = %v, want %v", tc.expr, got, tc.want)
			}
			if p.Source() != tc.expr {
				t.Errorf("Source() = %q, want %q", p.Source(), tc.expr)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		in   *Input
	}{
		{"missing param", `params.nope == "x"`, req(alice(), "GET", "/", nil)},
		{"missing param negated", `!(params.nope == "x")`, req(alice(), "GET", "/", nil)},
		{"missing header", `headers["x-nope"][0] == "x"`, req(alice(), "GET", "/", nil)},
		{"missing query", `size(query["nope"]) < 10`, req(alice(), "GET", "/", nil)},
		{"index out of range", `query["q"][5] == "x"`, req(alice(), "GET", "/", nil)},
		{"missing claim", `principal.claims.nope == "x"`, req(alice(), "GET", "/", nil)},
		{"anon sub", `principal.sub == params.id`, req(nil, "GET", "/", map[string]string{"id": ""})},
		{"anon sub negated", `principal.sub != "mallory"`, req(nil, "GET", "/", nil)},
		{"anon roles or sub", `"admin" in principal.roles || principal.sub == params.id`, req(nil, "GET", "/", map[string]string{"id": "x"})},
		{"empty subject", `principal.sub == params.id`,
			req(&principal.Principal{Consumer: "app"}, "GET", "/", map[string]string{"id": ""})},
		{"dyn result not bool", `principal.sub`, req(alice(), "GET", "/", nil)},
		{"dyn claim not bool", `principal.claims.tenant`, req(alice(), "GET", "/", nil)},
		{"dyn type mismatch", `principal.claims.tenant > 3`, req(alice(), "GET", "/", nil)},
		{"bad int conversion", `int(query["q"][0]) > 0`, req(alice(), "GET", "/", nil)},
		{"uppercase dynamic header key", `headers[query["h"][0]] == ["t1"]`, func() *Input {
			in := req(alice(), "GET", "/", nil)
			in.Query["h"] = []string{"X-Tenant"}
			return in
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tc.expr, err)
			}
			got, err := p.Eval(tc.in)
			if err == nil {
				t.Fatalf("Eval(%q) = %v, nil; want an error (fail closed)", tc.expr, got)
			}
			if got {
				t.Errorf("Eval(%q) returned true with error %v", tc.expr, err)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name      string
		expr      string
		line, col int
		msg       string // substring
	}{
		{"syntax", `principal.sub == `, 1, 18, "Syntax error"},
		{"syntax second line", "method == \"GET\" &&\n  path.startsWith(", 2, 19, "Syntax error"},
		{"unknown variable", `user.sub == "x"`, 1, 1, "undeclared reference to 'user'"},
		{"unknown variable second line", "method == \"GET\" &&\n   tenant == \"x\"", 2, 4, "undeclared reference"},
		{"non-bool string", `path + "x"`, 1, 1, "must be bool"},
		{"non-bool int", `size(query)`, 1, 1, "must be bool"},
		{"type error", `method == 1`, 1, 8, "no matching overload"},
		{"unknown function", `path.lower() == "x"`, 1, 11, "undeclared reference"},
		{"unknown principal field", `principal.subject == "x"`, 1, 1, `principal has no field "subject"`},
		{"unknown principal field index", `principal["role"] == []`, 1, 1, `principal has no field "role"`},
		{"unknown principal field has", "true &&\n has(principal.groups)", 2, 6, `no field "groups"`},
		{"upper-case header key", `headers["X-Tenant"][0] == "t1"`, 1, 1, `use "x-tenant"`},
		{"upper-case header in", `"Authorization" in headers`, 1, 1, `use "authorization"`},
		{"upper-case header select", `has(headers.Accept)`, 1, 5, `use "accept"`},
		{"bad regex", `method == "GET" && path.matches("a(")`, 1, 33, "invalid regular expression"},
		{"empty", ``, 1, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want error", tc.expr, p)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q) error %T %v, want *CompileError", tc.expr, err, err)
			}
			if ce.Line != tc.line || ce.Col != tc.col {
				t.Errorf("Compile(%q) at %d:%d, want %d:%d (%v)", tc.expr, ce.Line, ce.Col, tc.line, tc.col, err)
			}
			if !strings.Contains(ce.Msg, tc.msg) {
				t.Errorf("Compile(%q) message %q, want it to contain %q", tc.expr, ce.Msg, tc.msg)
			}
		})
	}
}

func TestCompileTooLarge(t *testing.T) {
	expr := strings.Repeat("true && ", MaxExprSize/8+1) + "true"
	if _, err := Compile(expr); err == nil {
		t.Fatalf("Compile of %d-byte expression succeeded, want size error", len(expr))
	}
}

func TestCostLimit(t *testing.T) {
	// A comprehension nested four deep over a 30-element request list costs
	// ~30^4 steps; it must stop at the limit, not run to completion.
	in := req(alice(), "GET", "/", nil)
	in.Query["ids"] = strings.Split(strings.Repeat("x,", 29)+"x", ",")
	p, err := Compile(`query["ids"].all(a, query["ids"].all(b, query["ids"].all(c, query["ids"].all(d, a + b + c + d != ""))))`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(in)
	if !errors.Is(err, ErrCostExceeded) {
		t.Fatalf("Eval = %v, %v; want ErrCostExceeded", got, err)
	}
	if got {
		t.Error("Eval returned true over the cost limit")
	}
	// The same shape over a small list stays within budget.
	in.Query["ids"] = []string{"1", "2"}
	if got, err := p.Eval(in); err != nil || !got {
		t.Fatalf("small input: Eval = %v, %v; want true, nil", got, err)
	}
}

func TestConcurrentEval(t *testing.T) {
	p, err := Compile(`principal.sub == params.user_id || "admin" in principal.roles`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				pr, want := alice(), (i+j)%2 == 0
				id := "bob"
				if want {
					id = "alice"
				}
				got, err := p.Eval(req(pr, "GET", "/", map[string]string{"user_id": id}))
				if err != nil || got != want {
					t.Errorf("Eval = %v, %v; want %v", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNilInput(t *testing.T) {
	p, err := Compile(`!principal.authenticated && method == ""`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Eval(nil); err != nil || !got {
		t.Fatalf("Eval(nil) = %v, %v; want true, nil", got, err)
	}
}

func BenchmarkEval(b *testing.B) {
	p, err := Compile(`principal.sub == params.user_id || "admin" in principal.roles`)
	if err != nil {
		b.Fatal(err)
	}
	in := req(alice(), "GET", "/users/bob", map[string]string{"user_id": "bob"})
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := p.Eval(in); err != nil || ok {
			b.Fatal(ok, err)
		}
	}
}
