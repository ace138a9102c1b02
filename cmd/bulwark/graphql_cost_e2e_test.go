package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// A rate limit and a quota with cost: graphql spend each operation's computed
// cost, not 1: the RateLimit header shows what is left, the request that
// would overspend is refused in GraphQL's shape with Retry-After and never
// reaches the upstream, and the audit event records the cost.
func TestGraphQLCostSpendsLimits(t *testing.T) {
	up := &gqlRecorder{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	dir := t.TempDir()
	writeTestSchema(t, dir)
	cfg := writeConfig(t, dir, graphqlAPIHead(upSrv.URL)+`      - match: POST /graphql
        auth: [api_key]
        graphql:
          schema_file: shop.graphql
        rate_limits:
          - {by: [consumer], rate: 1/h, burst: 500, cost: graphql}
          - {by: [consumer], rate: 1000/s, burst: 1000}
        quota: {by: consumer, limit: 460, cost: graphql}
`)
	p := startBulwark(t, "serve", "-c", cfg)
	key := createKey(t, cfg, "--consumer", "acme")

	send := func(query string) (*http.Response, []byte) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"query": query})
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", key)
		return do(t, req)
	}
	// left reports whether the RateLimit header names the cost limit as the
	// tightest, with n units left.
	left := func(resp *http.Response, n int) bool {
		return strings.HasPrefix(resp.Header.Get("RateLimit"), `"shop/POST /graphql#0";r=`+strconv.Itoa(n)+";")
	}

	// users(first: 150) { id }: 150 × (weight 2 + 0) = 300.
	resp, body := send("{ users(first: 150) { id } }")
	if resp.StatusCode != 200 {
		t.Fatalf("cost-300 query refused: %d %s", resp.StatusCode, body)
	}
	if !left(resp, 200) {
		t.Fatalf("after a cost-300 query RateLimit is %q, want the cost limit with 200 left of 500", resp.Header.Get("RateLimit"))
	}
	// A second cost-300 query overspends the cost limit: 429, GraphQL shape,
	// Retry-After, and the upstream never sees it.
	seen := len(up.seen())
	resp, body = send("{ users(first: 150) { name } }")
	e := mustGraphQLError(t, resp, body, 429, "rate_limited")
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if e.Errors[0].Extensions["retry_after"] == nil || !strings.Contains(e.Errors[0].Message, "costs 300") {
		t.Fatalf("refusal %s", body)
	}
	if len(up.seen()) != seen {
		t.Fatal("the upstream saw the over-limit query")
	}
	// The refused query spent nothing: a cost-150 one still fits the 200 left
	// (search(limit: 150) { id } = 150 × 1) and the quota's 460 - 300.
	resp, body = send(`{ search(text: "x", limit: 150) { id } }`)
	if resp.StatusCode != 200 || !left(resp, 50) {
		t.Fatalf("cost-150 query: %d %q %s", resp.StatusCode, resp.Header.Get("RateLimit"), body)
	}
	// The quota (460) now holds 450: a cost-20 query passes the rate limit
	// (50 left) but not the quota.
	resp, body = send(`{ search(text: "x", limit: 20) { id } }`)
	mustGraphQLError(t, resp, body, 429, "quota_exceeded")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("quota refusal without Retry-After")
	}
	// A query priced 0 (scalar fields only) still spends 1: the quota holds
	// 451 after it, so a cost-9 query fills it to 460 and the next cost-0
	// query is refused.
	for _, q := range []string{"{ __typename }", `{ search(text: "x", limit: 9) { id } }`} {
		if resp, body = send(q); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
	resp, body = send("{ __typename }")
	mustGraphQLError(t, resp, body, 429, "quota_exceeded")
	if len(up.seen()) != seen+3 {
		t.Fatalf("upstream saw %d requests, want %d", len(up.seen()), seen+3)
	}

	// A query over max_cost is refused by the guard, spending nothing.
	resp, body = send("{ users(first: 1000) { friends(first: 1000) { id } } }")
	mustGraphQLError(t, resp, body, 400, "graphql_cost_exceeded")

	// The audit events carry the cost as their object.
	waitFor(t, "audit events", func() bool { return strings.Count(p.stdout.String(), "graphql_cost:") >= 8 })
	var objects []string
	sc := bufio.NewScanner(strings.NewReader(p.stdout.String()))
	for sc.Scan() {
		var ev struct{ Object, Reason string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && strings.HasPrefix(ev.Object, "graphql_cost:") {
			objects = append(objects, ev.Object+" "+ev.Reason)
		}
	}
	want := "graphql_cost:300 ,graphql_cost:300 rate_limited,graphql_cost:150 ,graphql_cost:20 quota_exceeded,graphql_cost:0 ,graphql_cost:9 ,graphql_cost:0 quota_exceeded,graphql_cost:1002000 graphql_cost_exceeded"
	if got := strings.Join(objects, ","); got != want {
		t.Fatalf("audit objects %q, want %q", got, want)
	}
}
