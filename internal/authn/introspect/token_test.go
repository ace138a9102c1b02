package introspect

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

func TestCredentialExtraction(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		headers []string // Authorization values
		want    string   // reason, "" for success
		status  int
	}{
		{"bearer", "/", []string{"Bearer " + testToken}, "", 0},
		{"scheme case-insensitive", "/", []string{"bEaReR " + testToken}, "", 0},
		{"extra spaces", "/", []string{"Bearer   " + testToken + " "}, "", 0},
		{"no header", "/", nil, "<none>", 0},
		{"basic", "/", []string{"Basic Zm9vOmJhcg=="}, "<none>", 0},
		{"other scheme prefix", "/", []string{"BearerX " + testToken}, "<none>", 0},
		{"empty token", "/", []string{"Bearer"}, authn.ReasonMalformed, 0},
		{"blank token", "/", []string{"Bearer   "}, authn.ReasonMalformed, 0},
		{"bad characters", "/", []string{"Bearer abc,def"}, authn.ReasonMalformed, 0},
		{"only padding", "/", []string{"Bearer =="}, authn.ReasonMalformed, 0},
		{"two headers", "/", []string{"Bearer " + testToken, "Bearer other"}, authn.ReasonMalformed, 400},
		{"bearer and basic", "/", []string{"Basic Zm9vOmJhcg==", "Bearer " + testToken}, authn.ReasonMalformed, 400},
		{"max size", "/", []string{"Bearer " + strings.Repeat("a", maxTokenSize)}, "", 0},
		{"too large", "/", []string{"Bearer " + strings.Repeat("a", maxTokenSize+1)}, authn.ReasonTooLarge, 0},
		{"query token", "/?access_token=" + testToken, nil, authn.ReasonInQuery, 400},
		{"query and header", "/?a=1&access_token=x", []string{"Bearer " + testToken}, authn.ReasonInQuery, 400},
		{"query escaped", "/?access%5Ftoken=x", nil, authn.ReasonInQuery, 400},
		{"query bare key", "/?access_token", nil, authn.ReasonInQuery, 400},
		{"query other", "/?my_access_token=x&access_token_x=y", []string{"Bearer " + testToken}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAS(t, activeBody())
			a := newTestAuth(t, as, newClock(), nil, nil)
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for _, v := range tt.headers {
				r.Header.Add("Authorization", v)
			}
			p, err := a.Authenticate(r)
			if got := reasonOf(err); got != tt.want {
				t.Fatalf("reason = %q (%v), want %q", got, err, tt.want)
			}
			if tt.want != "" && (p != nil || as.Calls() != 0) {
				t.Errorf("refused credential: principal %v, %d introspection calls", p, as.Calls())
			}
			var f *authn.Failure
			if errors.As(err, &f) && f.Status != tt.status {
				t.Errorf("status = %d, want %d", f.Status, tt.status)
			}
		})
	}
}

func TestInQueryFailure(t *testing.T) {
	a := newTestAuth(t, newAS(t, nil), newClock(), nil, nil)
	_, err := a.Authenticate(httptest.NewRequest(http.MethodGet, "/x?access_token=abc", nil))
	want := &authn.Failure{Reason: authn.ReasonInQuery, Status: 400, Code: authn.ErrCodeInvalidRequest,
		Description: "Send the token in the Authorization header, not the URL."}
	var f *authn.Failure
	if !errors.As(err, &f) || *f != *want {
		t.Fatalf("err = %#v, want %#v", err, want)
	}
}

func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c==", "Bearer", "Bearer  ", "Basic x", "Bearer a b", "Bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := bearerToken(http.Header{"Authorization": {v}})
		if err != nil {
			return
		}
		if len(tok) > maxTokenSize || !isB64Token(tok) || !strings.Contains(v, tok) {
			t.Fatalf("accepted %q from %q", tok, v)
		}
	})
}

func FuzzHasQueryParam(f *testing.F) {
	for _, s := range []string{"", "access_token=x", "a=1&access%5Ftoken=2", "access_token", "x=%zz&access+token=1", ";access_token=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		vals, _ := url.ParseQuery(raw)
		if _, ok := vals["access_token"]; ok && !hasQueryParam(raw, "access_token") {
			t.Fatalf("missed access_token in %q", raw)
		}
	})
}
