package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// BenchmarkGraphQLGuardCost measures what the GraphQL guard adds to a
// GraphQL POST through the whole gateway handler: the same request on a
// route without the guard and on one with it (the answer's errors cleaned
// too), then with a rate limit spending the operation's cost, then with
// injection inspection of its argument values and variables. The operation is seen before (cached), as repeated client operations
// are.
func BenchmarkGraphQLGuardCost(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{"me":{"id":"1","name":"Ann","orders":[{"id":"7","total":12.5,"status":"PAID"}]}}}`)
	}))
	defer up.Close()
	sdl, err := os.ReadFile("../graphql/testdata/shop.graphql")
	if err != nil {
		b.Fatal(err)
	}
	schema := "            " + strings.ReplaceAll(strings.TrimSpace(string(sdl)), "\n", "\n            ")
	src := "admin:\n  listen: \"off\"\napis:\n  - name: shop\n    upstream: " + up.URL +
		"\n    auth: [none]\n    inspect: {mode: \"off\"}\n    routes:\n      - match: POST /plain\n" +
		gqlRoute("/graphql", schema, "") +
		gqlRoute("/graphql-cost-limit", schema, "        rate_limits: [{by: [ip], rate: 1000000000/s, burst: 1000000000, cost: graphql}]\n") +
		gqlRoute("/graphql-inspect", schema, "        inspect: {mode: block}\n")
	plan, diags := config.Parse("bench.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		b.Fatalf("config: %v", diags)
	}
	g, err := New(plan, Deps{Metrics: metrics.New(), Audit: &events{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	body, _ := json.Marshal(map[string]any{
		"query":     "query Orders($n: Int) { me { id name orders(first: $n) { id total status items(limit: 5) { quantity product { name price } } } } }",
		"variables": map[string]any{"n": 10}})
	for _, path := range []string{"/plain", "/graphql", "/graphql-cost-limit", "/graphql-inspect"} {
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

// gqlRoute is a benchmark config's GraphQL route at path, with extra lines.
func gqlRoute(path, schema, extra string) string {
	return "      - match: POST " + path + "\n" + extra + "        graphql:\n          schema: |\n" + schema + "\n"
}
