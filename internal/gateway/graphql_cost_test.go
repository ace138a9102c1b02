package gateway

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// An API's limit with cost: graphql is one bucket for its routes: a GraphQL
// route spends the operation's cost, a REST route 1 per request.
func TestAPICostLimitSharedWithREST(t *testing.T) {
	up := echoUpstream(t)
	src := `admin: {listen: "off"}
apis:
  - name: shop
    upstream: ` + up.URL + `
    auth: [none]
    rate_limits: [{by: [ip], rate: 1/h, burst: 10, cost: graphql}]
    routes:
      - match: GET /rest
      - match: POST /graphql
        graphql:
          schema: "type Query { items(first: Int): [Item!]! } type Item { id: ID! name: String }"
`
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	_, _, front := newGateway(t, p)
	rest := func() *http.Response {
		t.Helper()
		resp, err := http.Get(front.URL + "/rest")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	gql := func() (*http.Response, string) {
		t.Helper()
		// items(first: 5) { id }: 5 × (1 + 0) = 5.
		resp, err := http.Post(front.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ items(first: 5) { id } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	left := func(resp *http.Response) string {
		_, r, _ := strings.Cut(resp.Header.Get("RateLimit"), ";r=")
		r, _, _ = strings.Cut(r, ";")
		return r
	}
	if resp := rest(); resp.StatusCode != 200 || left(resp) != "9" {
		t.Fatalf("REST: %d %q", resp.StatusCode, resp.Header.Get("RateLimit"))
	}
	if resp, body := gql(); resp.StatusCode != 200 || left(resp) != "4" {
		t.Fatalf("GraphQL cost 5: %d %q %s", resp.StatusCode, resp.Header.Get("RateLimit"), body)
	}
	if resp := rest(); resp.StatusCode != 200 || left(resp) != "3" {
		t.Fatalf("REST after GraphQL: %d %q", resp.StatusCode, resp.Header.Get("RateLimit"))
	}
	resp, body := gql()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"code":"rate_limited"`) ||
		!strings.HasPrefix(body, `{"errors":`) {
		t.Fatalf("GraphQL over the shared limit: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp := rest(); resp.StatusCode != 200 || left(resp) != "2" {
		t.Fatalf("REST after the refusal: %d %q", resp.StatusCode, resp.Header.Get("RateLimit"))
	}
}
