package policy

import (
	"errors"
	"testing"
)

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`principal.sub == params.user_id`,
		`"admin" in principal.roles || principal.sub == params.id`,
		`principal.claims.tenant == headers["x-tenant"][0]`,
		`method == "GET" && path.startsWith("/public/")`,
		`has(principal.claims.org) && principal.claims.org == "acme"`,
		`size(query["ids"]) <= 10`,
		`query["ids"].all(a, query["ids"].exists(b, a == b))`,
		`path.matches("^/v[0-9]+/")`,
		"method == \"GET\" &&\n path.startsWith(",
		`principal["sub"]`, `headers.X`, `{}`, `[1,2,3].map(x, x*x)[0] == 1`,
		`"\u00e9" == path`, `b"\xff" == b""`, `1/0 == 1`,
	} {
		f.Add(s)
	}
	in := req(alice(), "GET", "/public/x", map[string]string{"user_id": "alice", "id": "1"})
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(expr)
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q): error %T is not a *CompileError: %v", expr, err, err)
			}
			if ce.Line < 1 || ce.Col < 1 {
				t.Fatalf("Compile(%q): position %d:%d", expr, ce.Line, ce.Col)
			}
			return
		}
		ok, err := p.Eval(in)
		if err != nil && ok {
			t.Fatalf("Eval(%q) = true with error %v", expr, err)
		}
		_, _ = p.Eval(req(nil, "", "", nil))
	})
}
