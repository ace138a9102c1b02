package route

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

func mustTable(t testing.TB, specs []Spec) *Table {
	t.Helper()
	tbl, err := NewTable(specs)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestMatch(t *testing.T) {
	specs := []Spec{
		0:  {Methods: []string{"GET"}, Path: "/users/me"},
		1:  {Methods: []string{"GET", "PUT"}, Path: "/users/{id}"},
		2:  {Methods: []string{"DELETE"}, Path: "/users/{uid}"},
		3:  {Methods: []string{"GET"}, Path: "/users/{id}/orders/{order}"},
		4:  {Path: "/admin/**"},
		5:  {Methods: []string{"GET"}, Path: "/a/{x}/c"},
		6:  {Methods: []string{"GET"}, Path: "/a/b/{y}"},
		7:  {Methods: []string{"GET"}, Path: "/b/lit/deep"},
		8:  {Methods: []string{"GET"}, Path: "/b/{p}/other"},
		9:  {Methods: []string{"GET"}, Path: "/b/**"},
		10: {Methods: []string{"GET"}, Path: "/"},
		11: {Host: "api.example.com", Methods: []string{"GET"}, Path: "/users/me"},
		12: {Host: "*.example.com", Methods: []string{"GET"}, Path: "/users/me"},
		13: {Methods: []string{"HEAD"}, Path: "/head"},
		14: {Methods: []string{"GET"}, Path: "/head"},
		15: {Methods: []string{"POST"}, Path: "/form/"},
		16: {Methods: []string{"GET"}, Path: "/m/lit"},
		17: {Methods: []string{"POST"}, Path: "/m/{x}"},
		18: {Methods: []string{"GET"}, Path: "/admin"},
	}
	tbl := mustTable(t, specs)
	tests := []struct {
		name, host, method, path string
		res                      Result
		idx                      int
		params                   []Param
		allow                    []string
	}{
		{name: "literal beats param", method: "GET", path: "/users/me", res: Found, idx: 0},
		{name: "param", method: "GET", path: "/users/42", res: Found, idx: 1, params: []Param{{"id", "42"}}},
		{name: "param per method name", method: "DELETE", path: "/users/42", res: Found, idx: 2, params: []Param{{"uid", "42"}}},
		{name: "method-aware fallback to param", method: "DELETE", path: "/users/me", res: Found, idx: 2, params: []Param{{"uid", "me"}}},
		{name: "two params", method: "GET", path: "/users/7/orders/9", res: Found, idx: 3, params: []Param{{"id", "7"}, {"order", "9"}}},
		{name: "glob zero segments", method: "POST", path: "/admin/", res: Found, idx: 4},
		{name: "end beats glob", method: "GET", path: "/admin", res: Found, idx: 18},
		{name: "end wrong method falls to glob", method: "POST", path: "/admin", res: Found, idx: 4},
		{name: "glob deep", method: "PATCH", path: "/admin/x/y/z", res: Found, idx: 4},
		{name: "left-most literal", method: "GET", path: "/a/b/c", res: Found, idx: 6, params: []Param{{"y", "c"}}},
		{name: "backtrack to param", method: "GET", path: "/a/x/c", res: Found, idx: 5, params: []Param{{"x", "x"}}},
		{name: "backtrack from literal to param", method: "GET", path: "/b/lit/other", res: Found, idx: 8, params: []Param{{"p", "lit"}}},
		{name: "backtrack to glob", method: "GET", path: "/b/lit/nope", res: Found, idx: 9},
		{name: "literal deep", method: "GET", path: "/b/lit/deep", res: Found, idx: 7},
		{name: "root", method: "GET", path: "/", res: Found, idx: 10},
		{name: "trailing slash on request", method: "GET", path: "/users/me/", res: Found, idx: 0},
		{name: "trailing slash on template", method: "POST", path: "/form", res: Found, idx: 15},
		{name: "case sensitive", method: "GET", path: "/USERS/me", res: NotFound, idx: -1},
		{name: "exact host", host: "API.example.com:8443", method: "GET", path: "/users/me", res: Found, idx: 11},
		{name: "exact host trailing dot", host: "api.example.com.", method: "GET", path: "/users/me", res: Found, idx: 11},
		{name: "wildcard host", host: "www.example.com", method: "GET", path: "/users/me", res: Found, idx: 12},
		{name: "wildcard one label only", host: "a.b.example.com", method: "GET", path: "/users/me", res: Found, idx: 0},
		{name: "wildcard not apex", host: "example.com", method: "GET", path: "/users/me", res: Found, idx: 0},
		{name: "host route falls through", host: "api.example.com", method: "GET", path: "/users/5", res: Found, idx: 1, params: []Param{{"id", "5"}}},
		{name: "HEAD to GET", method: "HEAD", path: "/users/me", res: Found, idx: 0},
		{name: "declared HEAD wins", method: "HEAD", path: "/head", res: Found, idx: 13},
		{name: "405 single", method: "POST", path: "/users/42", res: MethodNotAllowed, idx: -1, allow: []string{"DELETE", "GET", "HEAD", "PUT"}},
		{name: "405 union", method: "PUT", path: "/m/lit", res: MethodNotAllowed, idx: -1, allow: []string{"GET", "HEAD", "POST"}},
		{name: "405 union across literal and param", method: "POST", path: "/users/me", res: MethodNotAllowed, idx: -1, allow: []string{"DELETE", "GET", "HEAD", "PUT"}},
		{name: "405 with declared HEAD", method: "POST", path: "/head", res: MethodNotAllowed, idx: -1, allow: []string{"GET", "HEAD"}},
		{name: "not found", method: "GET", path: "/nope", res: NotFound, idx: -1},
		{name: "param needs segment", method: "GET", path: "/users/7/orders/", res: NotFound, idx: -1},
		{name: "empty path", method: "GET", path: "", res: NotFound, idx: -1},
	}
	var m Match
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, allow := tbl.Match(tc.host, tc.method, tc.path, &m)
			if res != tc.res || m.Index != tc.idx {
				t.Fatalf("Match = %v index %d, want %v index %d", res, m.Index, tc.res, tc.idx)
			}
			if !slices.Equal(m.Params, tc.params) && !(len(m.Params) == 0 && len(tc.params) == 0) {
				t.Errorf("Params = %v, want %v", m.Params, tc.params)
			}
			if !slices.Equal(allow, tc.allow) {
				t.Errorf("allow = %v, want %v", allow, tc.allow)
			}
			rres, ridx, rparams, rallow := refMatch(specs, tc.host, tc.method, tc.path)
			if rres != res || ridx != m.Index || !slices.Equal(rparams, m.Params) && len(rparams)+len(m.Params) > 0 || !slices.Equal(rallow, allow) {
				t.Errorf("reference disagrees: %v %d %v %v", rres, ridx, rparams, rallow)
			}
		})
	}
}

func TestMatchParam(t *testing.T) {
	m := Match{Params: []Param{{"id", "1"}, {"order", "2"}}}
	if v, ok := m.Param("order"); !ok || v != "2" {
		t.Fatalf("Param(order) = %q, %v", v, ok)
	}
	if _, ok := m.Param("nope"); ok {
		t.Fatal("Param(nope) found")
	}
}

func TestNewTableErrors(t *testing.T) {
	tests := []struct {
		name    string
		specs   []Spec
		invalid []int    // indices of SpecErrors
		overlap [][2]int // pairs of OverlapErrors
	}{
		{name: "ok", specs: []Spec{{Path: "/a"}, {Path: "/b"}}},
		{name: "bad template", specs: []Spec{{Path: "/a"}, {Path: "a"}}, invalid: []int{1}},
		{name: "bad method", specs: []Spec{{Methods: []string{"get"}, Path: "/a"}}, invalid: []int{0}},
		{name: "empty method", specs: []Spec{{Methods: []string{""}, Path: "/a"}}, invalid: []int{0}},
		{name: "bad host", specs: []Spec{{Host: "*", Path: "/a"}, {Host: "a..b", Path: "/a"}, {Host: "[::1", Path: "/a"}}, invalid: []int{0, 1, 2}},
		{name: "overlap", specs: []Spec{{Path: "/a/{x}"}, {Path: "/b"}, {Methods: []string{"GET"}, Path: "/a/{y}"}}, overlap: [][2]int{{0, 2}}},
		{name: "all reported", specs: []Spec{{Path: "/a"}, {Path: "/a"}, {Path: "/{"}, {Path: "/c"}, {Path: "/c/"}}, invalid: []int{2}, overlap: [][2]int{{0, 1}, {3, 4}}},
		{name: "duplicate methods ok", specs: []Spec{{Methods: []string{"GET", "GET"}, Path: "/a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := NewTable(tc.specs)
			if len(tc.invalid)+len(tc.overlap) == 0 {
				if err != nil || tbl.Len() != len(tc.specs) {
					t.Fatalf("NewTable: %v", err)
				}
				return
			}
			if tbl != nil || err == nil {
				t.Fatal("NewTable succeeded")
			}
			var gotInvalid []int
			var gotOverlap [][2]int
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var se *SpecError
				var oe *OverlapError
				switch {
				case errors.As(e, &se):
					gotInvalid = append(gotInvalid, se.Index)
				case errors.As(e, &oe):
					gotOverlap = append(gotOverlap, [2]int{oe.First, oe.Second})
				}
			}
			if !slices.Equal(gotInvalid, tc.invalid) || !slices.Equal(gotOverlap, tc.overlap) {
				t.Fatalf("errors %v / %v, want %v / %v (%v)", gotInvalid, gotOverlap, tc.invalid, tc.overlap, err)
			}
		})
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	tbl := mustTable(t, benchSpecs(200))
	var m Match
	m.Params = make([]Param, 0, 4)
	tests := []struct{ name, method, path string }{
		{"static", "GET", "/svc17/static/list"},
		{"params", "GET", "/svc42/items/123/sub/abc"},
		{"glob", "GET", "/svc9/files/a/b/c"},
		{"405", "PATCH", "/svc17/static/list"},
		{"404", "GET", "/nothing/here"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				tbl.Match("api.example.com", tc.method, tc.path, &m)
			})
			if allocs != 0 {
				t.Fatalf("Match allocates %v times", allocs)
			}
		})
	}
}

// benchSpecs builds n routes spread over services, with literal, param and glob
// templates, and some host-specific ones.
func benchSpecs(n int) []Spec {
	var specs []Spec
	for i := 0; len(specs) < n; i++ {
		svc := "/svc" + strconv.Itoa(i)
		specs = append(specs,
			Spec{Methods: []string{"GET"}, Path: svc + "/static/list"},
			Spec{Methods: []string{"GET", "PUT"}, Path: svc + "/items/{id}"},
			Spec{Methods: []string{"GET"}, Path: svc + "/items/{id}/sub/{sub}"},
			Spec{Methods: []string{"GET"}, Path: svc + "/files/**"},
			Spec{Host: "h" + strconv.Itoa(i) + ".example.com", Methods: []string{"POST"}, Path: svc + "/static/list"},
		)
	}
	return specs[:n]
}

func TestMatchConcurrent(t *testing.T) {
	tbl := mustTable(t, benchSpecs(50))
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			var m Match
			for i := 0; i < 200; i++ {
				res, _ := tbl.Match("api.example.com", "GET", "/svc3/items/"+strconv.Itoa(i), &m)
				if v, _ := m.Param("id"); res != Found || v != strconv.Itoa(i) {
					done <- errors.New("wrong match")
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestMatchPreflight(t *testing.T) {
	tbl := mustTable(t, []Spec{
		0: {Methods: []string{"PUT"}, Path: "/orders/{id}"},
		1: {Methods: []string{"DELETE", "GET"}, Path: "/items/{id}"},
		2: {Host: "api.example.com", Methods: []string{"POST"}, Path: "/orders"},
		3: {Methods: []string{"GET"}, Path: "/orders/{id}/lines"},
	})
	for _, tc := range []struct {
		name, host, method, path string
		found                    bool
		idx                      int
	}{
		{"the asked method's route", "", "PUT", "/orders/7", true, 0},
		{"another method: the path's route", "", "PATCH", "/orders/7", true, 0},
		{"several methods: the first allowed", "", "POST", "/items/7", true, 1},
		{"host-bound route", "api.example.com", "GET", "/orders", true, 2},
		{"host-bound route, other host", "web.example.com", "POST", "/orders", false, -1},
		{"no route for the path", "", "GET", "/nothing", false, -1},
		{"not canonical", "", "GET", "orders/7", false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Match
			if got := tbl.MatchPreflight(tc.host, tc.method, tc.path, &m); got != tc.found || m.Index != tc.idx {
				t.Fatalf("MatchPreflight = %v, index %d; want %v, %d", got, m.Index, tc.found, tc.idx)
			}
		})
	}
}
