package graphql

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

func TestStageRun(t *testing.T) {
	plain := newGuard(t, func(o *Options) { o.Cost.MaxCost = 50 })
	null := newGuard(t, func(o *Options) { o.OnDeniedField = "null" })
	tooLarge := httperr.New(http.StatusRequestEntityTooLarge, "body_too_large", "too large")
	overQuota := httperr.New(http.StatusTooManyRequests, "quota_exceeded", "quota")
	tests := []struct {
		name      string
		g         *Guard
		method    string
		query     string
		body      string
		held      bool             // the body is already on x (hygiene buffered JSON)
		bufferErr *httperr.Problem // Buffer's answer
		chargeErr *httperr.Problem
		noCharge  bool // Charge left nil
		inspects  bool
		// want
		code     string // the problem's code; "" admitted
		buffered bool   // Buffer called
		charged  int    // cost charged; -1 not called
		rewrite  bool   // Hold called with a rewritten body
	}{
		{name: "held body admitted and charged", g: plain, method: "POST", body: queryBody("{ me { id } }"), held: true, charged: 1},
		{name: "streaming body buffered, then admitted", g: plain, method: "POST", body: queryBody("{ me { id } }"), buffered: true, charged: 1},
		{name: "buffering refused: no guard, no charge", g: plain, method: "POST", body: queryBody("{ me { id } }"),
			bufferErr: tooLarge, buffered: true, code: "body_too_large", charged: -1},
		{name: "GET reads no body", g: plain, method: "GET", query: url.Values{"query": {"{ me { id } }"}}.Encode(), charged: 1},
		{name: "guard refuses: no cost spent", g: plain, method: "POST", body: queryBody("{ users(first: 100) { id } }"), held: true,
			code: "graphql_cost_exceeded", charged: -1},
		{name: "cost refused by the limits", g: plain, method: "POST", body: queryBody("{ me { id } }"), held: true,
			chargeErr: overQuota, code: "quota_exceeded", charged: 1},
		{name: "no limits: nothing charged", g: plain, method: "POST", body: queryBody("{ me { id } }"), held: true, noCharge: true, charged: -1},
		{name: "null mode: rewritten body held", g: null, method: "POST", body: queryBody("{ me { id email } }"), held: true,
			inspects: true, rewrite: true, charged: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rb io.Reader
			if tt.body != "" {
				rb = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, "/graphql?"+tt.query, rb)
			r.Header.Set("Content-Type", "application/json")
			x := &exchange.Exchange{Req: r}
			if tt.held {
				x.SetBody([]byte(tt.body))
			}
			buffered, charged := false, -1
			var held []byte
			s := &Stage{Guard: tt.g, Inspects: tt.inspects,
				Buffer: func(r *http.Request) ([]byte, *httperr.Problem) {
					buffered = true
					if tt.bufferErr != nil {
						return nil, tt.bufferErr
					}
					b, err := io.ReadAll(r.Body)
					if err != nil {
						t.Fatal(err)
					}
					return b, nil
				},
				Hold: func(_ *http.Request, b []byte) { held = b },
				Charge: func(_ context.Context, x *exchange.Exchange) *httperr.Problem {
					charged = x.Cost
					return tt.chargeErr
				}}
			if tt.noCharge {
				s.Charge = nil
			}
			p := s.Run(x)
			switch {
			case tt.code == "" && p != nil:
				t.Fatalf("refused: %v", p)
			case tt.code != "" && (p == nil || p.Code != tt.code):
				t.Fatalf("problem %v, want %s", p, tt.code)
			}
			if buffered != tt.buffered || charged != tt.charged {
				t.Errorf("buffered %v charged %d, want %v %d", buffered, charged, tt.buffered, tt.charged)
			}
			if (held != nil) != tt.rewrite || tt.rewrite && !strings.Contains(string(held), "@skip(if: true)") {
				t.Errorf("held %q, want a rewrite: %v", held, tt.rewrite)
			}
			b, ok := x.Body()
			switch {
			case tt.rewrite && string(b) != string(held):
				t.Errorf("exchange body %q, want the rewrite", b)
			case !tt.rewrite && tt.method == "POST" && tt.bufferErr == nil && (!ok || string(b) != tt.body):
				t.Errorf("exchange body %q (%v), want the request's", b, ok)
			case tt.method == "GET" && ok:
				t.Errorf("GET left a body on the exchange")
			}
			if tt.inspects != (x.Inspection != nil) && p == nil {
				t.Errorf("inspection %+v, want prepared: %v", x.Inspection, tt.inspects)
			}
		})
	}
}
