package authn

import (
	"errors"
	"net/http"
	"net/http/httptest"
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
	none := func(s string) *fake { return &fake{scheme: s, err: ErrNoCredentials} }
	tests := []struct {
		name       string
		auths      []*fake
		anonymous  bool
		wantP      bool
		wantStatus int
		wantReason string
		wantHeader string
		wantCalls  []int
	}{
		{"first with credentials decides", []*fake{none("ApiKey"), {scheme: "Bearer", p: alice}, {scheme: "Other", p: alice}}, false, true, 0, "", "", []int{1, 1, 0}},
		{"bad credential stops the chain", []*fake{{scheme: "Bearer", err: Fail(ReasonExpired, "The token has expired.", nil)}, {scheme: "ApiKey", p: alice}}, false, false, 401, ReasonExpired, `Bearer realm="bulwark", error="invalid_token", error_description="The token has expired."`, []int{1, 0}},
		{"nothing sent", []*fake{none("ApiKey"), none("Bearer")}, false, false, 401, ReasonMissing, `ApiKey realm="bulwark", Bearer realm="bulwark"`, []int{1, 1}},
		{"nothing sent, anonymous allowed", []*fake{none("Bearer")}, true, false, 0, "", "", []int{1}},
		{"bad credential refused even on an open route", []*fake{{scheme: "Bearer", err: Fail(ReasonBadSignature, "bad", nil)}}, true, false, 401, ReasonBadSignature, "", []int{1}},
		{"undecided is 503, never a pass", []*fake{{scheme: "Bearer", err: errors.New("store down")}}, true, false, 503, ReasonUnavailable, "", []int{1}},
		{"nil principal without error is 503", []*fake{{scheme: "Bearer"}}, false, false, 503, ReasonUnavailable, "", []int{1}},
		{"credential in query is 400", []*fake{{scheme: "Bearer", err: &Failure{Reason: ReasonInQuery, Status: 400, Code: ErrCodeInvalidRequest, Description: "use the header"}}}, false, false, 400, ReasonInQuery, "", []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			auths := make([]Authenticator, len(tc.auths))
			for i, a := range tc.auths {
				auths[i] = a
			}
			p, prob := NewChain(auths, tc.anonymous).Authenticate(httptest.NewRequest("GET", "/", nil))
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

func TestChallengeEscapesDescription(t *testing.T) {
	got := challenge("Bearer", "invalid_token", "bad \"quote\" \\ and\nnewline é", "")
	if strings.ContainsAny(got, "\n\\é") || strings.Count(got, `"`) != 6 {
		t.Fatalf("challenge %q", got)
	}
}
