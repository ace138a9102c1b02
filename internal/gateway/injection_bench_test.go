package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// orderJSON is a realistic ~1 KiB order document.
const orderJSON = `{"order_id":"ord_8f3b2a91c4","customer":{"id":48213,"name":"Seán O'Brien","email":"sean.obrien@example.com",` +
	`"phone":"+353 1 555 0192","address":{"street":"12 Harbour View Road","city":"Dún Laoghaire","postcode":"A96 X2P1","country":"IE"}},` +
	`"items":[{"sku":"KB-104-UK","name":"Mechanical keyboard, brown switches","qty":1,"unit_price":89.99},` +
	`{"sku":"MS-220","name":"Wireless mouse (2.4 GHz)","qty":2,"unit_price":24.5},{"sku":"CB-USB-C-2M","name":"USB-C cable 2 m","qty":3,"unit_price":9.99}],` +
	`"shipping":{"method":"express","instructions":"Leave at the back door if nobody answers; ring twice.","gift":false},` +
	`"payment":{"method":"card","last4":"4242","currency":"EUR"},"notes":"Please select the recyclable packaging where possible — thanks!",` +
	`"tags":["returning-customer","newsletter","eu"],"coupon":"WINTER-10","created_at":"2026-11-28T10:15:00Z","source":"web/checkout v3.2.1"}`

// BenchmarkInjectionCost measures what Bulwark's detectors add to a JSON POST
// through the whole gateway handler: one route with inspection off, one on.
func BenchmarkInjectionCost(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	defer up.Close()
	src := "admin:\n  listen: \"off\"\napis:\n  - name: shop\n    upstream: " + up.URL +
		"\n    auth: [none]\n    routes:\n      - match: POST /off\n        inspect: {mode: \"off\"}\n      - match: POST /on\n"
	plan, diags := config.Parse("bench.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		b.Fatalf("config: %v", diags)
	}
	g, err := New(plan, Deps{Metrics: metrics.New(), Audit: &events{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	body := []byte(orderJSON)
	for _, path := range []string{"/off", "/on"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := httptest.NewRequest("POST", path, bytes.NewReader(body)).WithContext(context.Background())
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				g.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
