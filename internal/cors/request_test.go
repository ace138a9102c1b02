package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
)

func TestRequest(t *testing.T) {
	strict := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}})
	passing := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}, PassRefused: true})
	tests := []struct {
		name    string
		g       *Guard
		origin  string
		code    string // the refusal's; "" admitted
		acao    string // Access-Control-Allow-Origin on the answer
		rule    string
		headers bool
	}{
		{name: "no origin", g: strict},
		{name: "same origin", g: strict, origin: "http://api.example.com"},
		{name: "allowed origin", g: strict, origin: "https://app.example.com", acao: "https://app.example.com"},
		{name: "refused origin", g: strict, origin: "https://evil.example", code: "cors_origin_refused"},
		{name: "refused origin passed", g: passing, origin: "https://evil.example", rule: "cors_origin_refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://api.example.com/x", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			w := httptest.NewRecorder()
			x := &exchange.Exchange{Req: r, W: w}
			p := tt.g.Request(x)
			switch {
			case tt.code == "" && p != nil:
				t.Fatalf("refused: %v", p)
			case tt.code != "" && (p == nil || p.Code != tt.code || p.Status != http.StatusForbidden):
				t.Fatalf("problem %+v, want 403 %s", p, tt.code)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.acao)
			}
			if x.Notes.Rule != tt.rule {
				t.Errorf("rule = %q, want %q", x.Notes.Rule, tt.rule)
			}
		})
	}
}

func TestResponseStripsUpstreamCORS(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"true"},
		"Content-Type": {"text/plain"}}}
	if err := Response(resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Header) != 1 || resp.Header.Get("Content-Type") == "" {
		t.Fatalf("header %v", resp.Header)
	}
}

func TestRefusal(t *testing.T) {
	if p := Refusal("cors_method_refused"); p.Status != http.StatusForbidden || p.Code != "cors_method_refused" || p.Detail == "" {
		t.Fatalf("%+v", p)
	}
}

func TestAnswerPreflight(t *testing.T) {
	g := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "PUT"}})
	for _, tt := range []struct {
		name, origin, method, headers string
		code                          string // the refusal's; "" answered 204
	}{
		{name: "allowed", origin: "https://app.example.com", method: "PUT"},
		{name: "origin refused", origin: "https://evil.example", method: "PUT", code: "cors_origin_refused"},
		{name: "method refused", origin: "https://app.example.com", method: "DELETE", code: "cors_method_refused"},
		{name: "header refused", origin: "https://app.example.com", method: "PUT", headers: "X-Secret", code: "cors_header_refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("OPTIONS", "http://api.example.com/x", nil)
			r.Header.Set("Origin", tt.origin)
			r.Header.Set("Access-Control-Request-Method", tt.method)
			if tt.headers != "" {
				r.Header.Set("Access-Control-Request-Headers", tt.headers)
			}
			w := httptest.NewRecorder()
			p := g.AnswerPreflight(w, r)
			if tt.code != "" {
				if p == nil || p.Code != tt.code || p.Status != http.StatusForbidden {
					t.Fatalf("problem %+v, want 403 %s", p, tt.code)
				}
				if len(w.Header()) != 0 || w.Code != http.StatusOK || w.Body.Len() != 0 {
					t.Fatalf("a refusal wrote %d %v", w.Code, w.Header())
				}
				return
			}
			if p != nil {
				t.Fatalf("refused: %v", p)
			}
			if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != tt.origin ||
				w.Header().Get("Access-Control-Allow-Methods") == "" {
				t.Fatalf("answer %d %v", w.Code, w.Header())
			}
		})
	}
}
