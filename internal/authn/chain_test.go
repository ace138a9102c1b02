package authn

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// fake answers with a fixed result and counts its calls.
type fake struct {
	scheme string
	p      *principal.Principal
	err    error
	calls  int
}

func (f *fake) Authenticate(*http.Request) (*principal.Principal, error) {
	f.calls++
	return f.p, f.err
}
func (f *fake) Scheme() string      { return f.scheme }
func (f *fake) Strip(h http.Header) { h.Del("X-" + f.scheme) }

func TestChain(t *testing.T) {
	alice := &principal.Principal{Subject: "alice", Scopes: []string{"a", "b"}}
	alice2 := &principal.Principal{Subject: "alice", Issuer: "other"}
	bob := &principal.Principal{Subject: "bob"}
	none := func(s string) *fake { return &fake{scheme: s, err: ErrNoCredentials} }
	const key = "bwk_AbCdEfGhIjKl_0123456789abcdefghij"
	tests := []struct {
		name       string
		target     string
		auths      []*fake
		anonymous  bool
		wantP      bool
		wantStatus int
		wantReason string
		wantHeader string
		wantCalls  []int
	}{
		{"first with credentials names the caller", "/", []*fake{none("ApiKey"), {scheme: "Bearer", p: alice}, {scheme: "Other", p: alice2}}, false, true, 0, "", "", []int{1, 1, 1}},
		{"bad credential stops the chain", "/", []*fake{{scheme: "Bearer", err: Fail(ReasonExpired, "The token has expired.", nil)}, {scheme: "ApiKey", p: alice}}, false, false, 401, ReasonExpired, `Bearer realm="bulwark", error="invalid_token", error_description="The token has expired."`, []int{1, 0}},
		{"a later bad credential is refused too", "/", []*fake{{scheme: "Bearer", p: alice}, {scheme: "ApiKey", err: Fail(ReasonRevoked, "The API key is not valid.", nil)}}, true, false, 401, ReasonRevoked, `ApiKey realm="bulwark", error="invalid_token", error_description="The API key is not valid."`, []int{1, 1}},
		{"two credentials of different callers", "/", []*fake{{scheme: "Bearer", p: alice}, {scheme: "ApiKey", p: bob}}, false, false, 400, ReasonConflict, "", []int{1, 1}},
		{"same scheme is one credential, checked once", "/", []*fake{{scheme: "Bearer", p: alice}, {scheme: "Bearer", p: bob}}, false, true, 0, "", "", []int{1, 0}},
		{"nothing sent", "/", []*fake{none("ApiKey"), none("Bearer")}, false, false, 401, ReasonMissing, `ApiKey realm="bulwark", Bearer realm="bulwark"`, []int{1, 1}},
		{"nothing sent, anonymous allowed", "/", []*fake{none("Bearer")}, true, false, 0, "", "", []int{1}},
		{"no authenticators, anonymous", "/", nil, true, false, 0, "", "", nil},
		{"bad credential refused even on an open route", "/", []*fake{{scheme: "Bearer", err: Fail(ReasonBadSignature, "bad", nil)}}, true, false, 401, ReasonBadSignature, "", []int{1}},
		{"undecided is 503, never a pass", "/", []*fake{{scheme: "Bearer", err: errors.New("store down")}}, true, false, 503, ReasonUnavailable, "", []int{1}},
		{"nil principal without error is 503", "/", []*fake{{scheme: "Bearer"}}, false, false, 503, ReasonUnavailable, "", []int{1}},
		{"credential in query is 400", "/", []*fake{{scheme: "Bearer", err: &Failure{Reason: ReasonInQuery, Status: 400, Code: ErrCodeInvalidRequest, Description: "use the header"}}}, false, false, 400, ReasonInQuery, "", []int{1}},
		{"access_token refused before any authenticator", "/?access_token=x", []*fake{{scheme: "ApiKey", p: alice}}, false, false, 400, ReasonInQuery, "", []int{0}},
		{"URL credential refused on an open route", "/?API-Key=x", nil, true, false, 400, ReasonInQuery, "", nil},
		{"key in a path segment", "/k/" + key, nil, true, false, 400, ReasonInQuery, "", nil},
		{"key value under any name", "/?next=" + key, nil, true, false, 400, ReasonInQuery, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auths := make([]Authenticator, len(tc.auths))
			for i, a := range tc.auths {
				auths[i] = a
			}
			p, prob := NewChain(auths, tc.anonymous, "").Authenticate(httptest.NewRequest("GET", tc.target, nil))
			if (p != nil) != tc.wantP {
				t.Fatalf("principal %v", p)
			}
			if tc.wantStatus == 0 && prob != nil || tc.wantStatus != 0 && (prob == nil || prob.Status != tc.wantStatus || prob.AuditReason() != tc.wantReason) {
				t.Fatalf("problem %+v", prob)
			}
			if tc.wantHeader != "" && prob.Header.Get("WWW-Authenticate") != tc.wantHeader {
				t.Fatalf("WWW-Authenticate = %q", prob.Header.Get("WWW-Authenticate"))
			}
			for i, a := range tc.auths {
				if a.calls != tc.wantCalls[i] {
					t.Fatalf("authenticator %d called %d times, want %d", i, a.calls, tc.wantCalls[i])
				}
			}
		})
	}
}

func TestInURL(t *testing.T) {
	for target, want := range map[string]bool{
		"/orders/1?page=2&sort=name": false, "/?keyboard=1&monkey=2": false, "/?key=x": false, "/?token=abc": false,
		"/docs/bwk_notes": false, "/?q=bwk": false,
		"/?access_token=x": true, "/?Access-Token=x": true, "/?api_key=x": true, "/?APIKEY=x": true, "/?x_api_key=x": true,
		"/?api%5Fkey=x": true, "/?t=%62wk_abc": true, "/?bwk_abc": true, "/?a=1;api_token=x": true, "/?authorization=Bearer+x": true,
		"/keys/bwk_AbCdEfGhIjKl_0123": true, "/keys/%62wk_AbCdEfGhIjKl_0123": true,
		"/orders;access_token=x/1": true, "/orders/1;v=2;API_KEY=x": true, "/orders/1;v=2": false, "/a;b": false,
		"/a;%61ccess_token=x": true, "http://alice:pw@gw.test/orders": true, "http://gw.test/orders": false,
	} {
		r := httptest.NewRequest("GET", target, nil)
		if got := InURL(r.URL) != nil; got != want {
			t.Errorf("InURL(%s) = %v, want %v", target, got, want)
		}
	}
}

func TestChainStrip(t *testing.T) {
	key := &principal.Principal{Subject: "a", Method: principal.MethodAPIKey}
	tok := &principal.Principal{Subject: "a", Method: principal.MethodJWT}
	all := http.Header{"X-Api-Key": {"k"}, "Authorization": {"Bearer t"}, "X-Bearer": {"1"}, "X-Apikey": {"1"}}
	tests := []struct {
		name  string
		auths []string // schemes of the chain's authenticators
		p     *principal.Principal
		keep  bool
		in    http.Header
		want  []string // header names left
	}{
		{"open route strips every Bulwark credential", nil, nil, false, all, []string{"X-Apikey", "X-Bearer"}},
		{"open route keeps Basic", nil, nil, false, http.Header{"Authorization": {"Basic YTpi"}}, []string{"Authorization"}},
		{"ApiKey scheme in Authorization is ours", nil, nil, false, http.Header{"Authorization": {"apikey bwk_x"}}, nil},
		{"lower-case bearer", nil, nil, false, http.Header{"Authorization": {"  bearer t"}}, nil},
		{"checked credentials stripped", []string{"Bearer", "ApiKey"}, tok, false, all, nil},
		{"keep keeps the deciding bearer only", []string{"Bearer", "ApiKey"}, tok, true, all, []string{"Authorization", "X-Bearer"}},
		{"keep keeps the deciding key only", []string{"ApiKey"}, key, true, all, []string{"X-Api-Key", "X-Apikey", "X-Bearer"}},
		{"keep with no principal keeps nothing", []string{"ApiKey"}, nil, true, all, []string{"X-Bearer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auths []Authenticator
			for _, s := range tc.auths {
				auths = append(auths, &fake{scheme: s})
			}
			h := tc.in.Clone()
			NewChain(auths, true, "x-api-key").Strip(h, tc.p, tc.keep)
			var left []string
			for k := range h {
				left = append(left, k)
			}
			slices.Sort(left)
			if !slices.Equal(left, tc.want) {
				t.Fatalf("left %v, want %v", left, tc.want)
			}
		})
	}
}

func TestRequireScopes(t *testing.T) {
	p := &principal.Principal{Scopes: principal.NormalizeScopes([]string{"b", "a", "a"})}
	if RequireScopes(p, []string{"a", "b"}) != nil || RequireScopes(p, nil) != nil {
		t.Fatal("held scopes refused")
	}
	prob := RequireScopes(p, []string{"a", "c"})
	if prob == nil || prob.Status != 403 || !strings.Contains(prob.Header.Get("WWW-Authenticate"), `error="insufficient_scope", scope="a c"`) {
		t.Fatalf("problem %+v", prob)
	}
	if RequireScopes(nil, []string{"a"}) == nil {
		t.Fatal("nil principal passed a scope check")
	}
}

func TestRequireAnyScope(t *testing.T) {
	p := &principal.Principal{Scopes: []string{"b"}}
	cases := []struct {
		name string
		p    *principal.Principal
		want []string
		ok   bool
	}{
		{"nothing wanted", p, nil, true},
		{"one of them held", p, []string{"a", "b"}, true},
		{"none held", p, []string{"a", "c"}, false},
		{"anonymous", nil, []string{"a"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prob := RequireAnyScope(c.p, c.want)
			if (prob == nil) != c.ok {
				t.Fatalf("got %v, want ok %v", prob, c.ok)
			}
			if prob != nil && (prob.Status != 403 || !strings.Contains(prob.Header.Get("WWW-Authenticate"), `scope="a"`)) {
				t.Errorf("problem %+v", prob)
			}
		})
	}
}

func TestChallengeEscapesDescription(t *testing.T) {
	got := challenge("Bearer", "invalid_token", "bad \"quote\" \\ and\nnewline é", "")
	if strings.ContainsAny(got, "\n\\é") || strings.Count(got, `"`) != 6 {
		t.Fatalf("challenge %q", got)
	}
}
