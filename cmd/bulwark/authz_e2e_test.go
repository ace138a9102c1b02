package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// shopConfig puts Bulwark with authorization rules in front of the demo shop.
// Users authenticate with API keys whose subject is their user id.
func shopConfig(shop string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:shop.db
audit: {stdout: true, store: true}
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
apis:
  - name: shop
    upstream: ` + shop + `
    auth: [api_key]
    routes:
      - match: GET /users/{id}
        owner: [{param: id, equals: sub}]
        owner_exempt_roles: [admin]
      - match: PATCH /users/{id}
        owner: [{param: id, equals: sub}]
        readonly_fields: [role, is_admin]
      - match: GET /users/{id}/orders
        owner: [{param: id, equals: sub}]
        owner_exempt_roles: [admin]
      - match: GET /orders
        owner: [{id: order-by-query, query: id, object: order}]
      - match: GET,PUT,DELETE /orders/{id}
        owner: [{id: order-by-path, param: id, object: order}]
        owner_exempt_roles: [admin]
        enumeration: {window: 1m, max_distinct: 20, min_requests: 10, max_denied_percent: 50, sequential: 10, block_for: 1m}
      - match: POST /orders
        records_owner: {object: order, from: location}
        readonly_fields: [owner_id]
      - match: POST /orders/batch
        owner: [{id: order-batch, body: /ids, object: order}]
      - match: POST /orders/search
        filter_list: {array: /orders, owner_field: owner_id, equals: sub}
        inspect: {allow_operators: [$eq, $ne, $in, $gt, $lt]}   # a Mongo-filter API by design
      - match: GET /admin/**
        admin: true
      - match: DELETE /admin/**
        admin: true
      - match: GET /products
        policy: 'principal.authenticated && "shopper" in principal.roles || "admin" in principal.roles'
`
}

type shopper struct {
	t   *testing.T
	p   *proc
	key string
}

func (s shopper) do(method, path, body string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.p.url(path), strings.NewReader(body))
	req.Header.Set("X-API-Key", s.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, b := do(s.t, req)
	return resp.StatusCode, b
}

func TestDemoShopAuthorization(t *testing.T) {
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	shopSrv := httptest.NewServer(shop.Handler())
	defer shopSrv.Close()

	dir := t.TempDir()
	cfg := writeConfig(t, dir, shopConfig(shopSrv.URL))
	// The shop's seeded orders: 1001-1003 alice's (1), 1004-1005 bob's (2), 1006-1007 admin's (3).
	var lines []string
	for id, owner := range map[int]string{1001: "1", 1002: "1", 1003: "1", 1004: "2", 1005: "2", 1006: "3", 1007: "3"} {
		lines = append(lines, `{"object":"order","id":"`+strconv.Itoa(id)+`","owner":"`+owner+`"}`)
	}
	records := filepath.Join(dir, "owners.jsonl")
	_ = os.WriteFile(records, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	if out, err := execCommand(binPath, "owners", "import", "-c", cfg, records).CombinedOutput(); err != nil {
		t.Fatalf("owners import: %v\n%s", err, out)
	}
	p := startBulwark(t, "serve", "-c", cfg)
	alice := shopper{t, p, createKey(t, cfg, "--consumer", "web", "--subject", "1", "--roles", "shopper")}
	bob := shopper{t, p, createKey(t, cfg, "--consumer", "web", "--subject", "2", "--roles", "shopper")}
	admin := shopper{t, p, createKey(t, cfg, "--consumer", "ops", "--subject", "3", "--roles", "admin")}

	// Alice cannot read, change or delete bob's orders: by path, query, body or batch.
	refused := []struct{ method, path, body string }{
		{"GET", "/orders/1004", ""},
		{"PUT", "/orders/1004", `{"items":[{"product_id":1,"qty":1}]}`},
		{"DELETE", "/orders/1005", ""},
		{"GET", "/orders?id=1004", ""},
		{"POST", "/orders/batch", `{"ids":[1001,1004]}`},
		{"GET", "/users/2", ""},
		{"GET", "/users/2/orders", ""},
		{"PATCH", "/users/2", `{"email":"x@example.com"}`},
	}
	for _, c := range refused {
		if status, body := alice.do(c.method, c.path, c.body); status != 403 {
			t.Fatalf("alice %s %s: %d %s", c.method, c.path, status, body)
		}
	}
	// A rule that cannot read its id refuses: no id at all, or a body it cannot parse.
	if status, body := alice.do("GET", "/orders", ""); status != 400 {
		t.Fatalf("missing query id: %d %s", status, body)
	}
	req, _ := http.NewRequest("POST", p.url("/orders/batch"), strings.NewReader(`{"ids":[1004]}`))
	req.Header.Set("X-API-Key", alice.key)
	req.Header.Set("Content-Type", "text/plain")
	if resp, body := do(t, req); resp.StatusCode != 415 {
		t.Fatalf("batch ids in a text/plain body: %d %s", resp.StatusCode, body)
	}
	// Admin routes are closed to non-admins, open to admins.
	if status, _ := alice.do("GET", "/admin/users", ""); status != 403 {
		t.Fatalf("alice on an admin route: %d", status)
	}
	if status, _ := admin.do("GET", "/admin/users", ""); status != 200 {
		t.Fatalf("admin on an admin route: %d", status)
	}
	// Mass assignment: alice making herself admin is refused.
	status, body := alice.do("PATCH", "/users/1", `{"role":"admin"}`)
	if status != 422 || !strings.Contains(string(body), "role") {
		t.Fatalf("mass assignment: %d %s", status, body)
	}

	// Everything alice may legitimately do still works.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/orders/1001", ""},
		{"GET", "/orders?id=1002", ""},
		{"POST", "/orders/batch", `{"ids":[1001,1003]}`},
		{"GET", "/users/1", ""},
		{"GET", "/users/1/orders", ""},
		{"PATCH", "/users/1", `{"phone":"555-0100"}`},
		{"GET", "/products", ""},
	} {
		if status, body := alice.do(c.method, c.path, c.body); status != 200 {
			t.Fatalf("alice %s %s: %d %s", c.method, c.path, status, body)
		}
	}
	// A created order is learned as hers: she reads it, bob cannot.
	status, body = alice.do("POST", "/orders", `{"items":[{"product_id":2,"qty":1}]}`)
	var created struct{ ID int64 }
	_ = json.Unmarshal(body, &created)
	if status != 201 || created.ID == 0 {
		t.Fatalf("create: %d %s", status, body)
	}
	mine := "/orders/" + strconv.FormatInt(created.ID, 10)
	if status, _ := alice.do("GET", mine, ""); status != 200 {
		t.Fatalf("alice reading her new order: %d", status)
	}
	if status, _ := bob.do("GET", mine, ""); status != 403 {
		t.Fatalf("bob reading alice's new order: %d", status)
	}
	// Search results are cut to the caller's own orders.
	_, body = alice.do("POST", "/orders/search", `{"filter":{"status":{"$ne":null}}}`)
	var found struct {
		Orders []struct {
			OwnerID int64 `json:"owner_id"`
		}
	}
	_ = json.Unmarshal(body, &found)
	if len(found.Orders) == 0 {
		t.Fatalf("search: %s", body)
	}
	for _, o := range found.Orders {
		if o.OwnerID != 1 {
			t.Fatalf("search leaked another user's order: %s", body)
		}
	}
	// Admin reads any order.
	if status, _ := admin.do("GET", "/orders/1004", ""); status != 200 {
		t.Fatalf("admin reading bob's order: %d", status)
	}

	// Alice walking 50 order ids trips the enumeration detector and gets blocked.
	blocked := false
	for id := 2000; id < 2050; id++ {
		if status, _ := alice.do("GET", "/orders/"+strconv.Itoa(id), ""); status == 403 {
			_, b := alice.do("GET", "/orders/1001", "")
			blocked = blocked || strings.Contains(string(b), "enumeration_blocked")
		}
		if blocked {
			break
		}
	}
	if !blocked {
		t.Fatal("walking order ids never tripped the enumeration detector")
	}
	waitFor(t, "enumeration alert in the audit log", func() bool {
		return strings.Contains(p.stdout.String(), `"decision":"alert"`) && strings.Contains(p.stdout.String(), `"reason":"enumeration_`)
	})
	waitFor(t, "rule and object in the audit log", func() bool {
		return strings.Contains(p.stdout.String(), `"rule":"order-by-path","object":"order:1004"`)
	})
}

// TestOwnershipSharedByTwoNodesAndRestart learns ownership on one node and
// enforces it on another node sharing PostgreSQL, and after a restart.
func TestOwnershipSharedByTwoNodesAndRestart(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	shopSrv := httptest.NewServer(shop.Handler())
	defer shopSrv.Close()
	cfgText := strings.Replace(shopConfig(shopSrv.URL), "store: sqlite:shop.db", "store: "+dsn, 1)
	cfg1 := writeConfig(t, t.TempDir(), cfgText)
	n1 := startBulwark(t, "serve", "-c", cfg1)
	n2 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfgText))
	aliceKey := createKey(t, cfg1, "--consumer", "web", "--subject", "1")
	bobKey := createKey(t, cfg1, "--consumer", "web", "--subject", "2")

	status, body := shopper{t, n1, aliceKey}.do("POST", "/orders", `{"items":[{"product_id":3,"qty":2}]}`)
	var created struct{ ID int64 }
	_ = json.Unmarshal(body, &created)
	if status != 201 {
		t.Fatalf("create on node 1: %d %s", status, body)
	}
	path := "/orders/" + strconv.FormatInt(created.ID, 10)
	waitFor(t, "node 2 to learn the new owner", func() bool {
		s, _ := shopper{t, n2, aliceKey}.do("GET", path, "")
		return s == 200
	})
	if s, _ := (shopper{t, n2, bobKey}).do("GET", path, ""); s != 403 {
		t.Fatalf("bob on node 2: %d", s)
	}
	if err := n1.stop(sigterm); err != nil {
		t.Fatal(err)
	}
	n1 = startBulwark(t, "serve", "-c", cfg1)
	if s, _ := (shopper{t, n1, aliceKey}).do("GET", path, ""); s != 200 {
		t.Fatalf("alice after restart: %d", s)
	}
	if s, _ := (shopper{t, n1, bobKey}).do("GET", path, ""); s != 403 {
		t.Fatalf("bob after restart: %d", s)
	}
}
