package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestOwnerRecordsSurviveAStoreOutage cuts PostgreSQL off from a node while
// a shopper creates orders: every create is acknowledged (201), its owner
// reads it on that node and another shopper is refused; after the store is
// back, SIGTERM leaves every acknowledged record in the store. The outage is
// one log line, not one per create.
func TestOwnerRecordsSurviveAStoreOutage(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	via, proxy := storetest.ViaCutProxy(t, dsn)
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	shopSrv := httptest.NewServer(shop.Handler())
	defer shopSrv.Close()
	cfgText := strings.Replace(shopConfig(shopSrv.URL), "store: sqlite:shop.db", "store: "+via, 1)
	cfgText = strings.Replace(cfgText, "  api_keys:\n", "  api_keys:\n    cache_ttl: 5m\n", 1) // keys keep working while the store is cut off
	cfg := writeConfig(t, t.TempDir(), cfgText)
	n := startBulwark(t, "serve", "-c", cfg)
	alice := shopper{t, n, createKey(t, cfg, "--consumer", "web", "--subject", "1")}
	bob := shopper{t, n, createKey(t, cfg, "--consumer", "web", "--subject", "2")}
	for _, s := range []shopper{alice, bob} { // their keys verified and cached
		if status, body := s.do("GET", "/products", ""); status != 200 && status != 403 {
			t.Fatalf("warm-up: %d %s", status, body)
		}
	}

	proxy.SetCut(true)
	var ids []string
	for range 5 {
		status, body := alice.do("POST", "/orders", `{"items":[{"product_id":3,"qty":1}]}`)
		if status != 201 {
			t.Fatalf("create with the store cut off: %d %s", status, body)
		}
		var created struct{ ID int64 }
		if err := json.Unmarshal(body, &created); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(created.ID, 10)
		ids = append(ids, id)
		if s, b := alice.do("GET", "/orders/"+id, ""); s != 200 {
			t.Errorf("alice reads her order %s during the outage: %d %s", id, s, b)
		}
		if s, _ := bob.do("GET", "/orders/"+id, ""); s != 403 {
			t.Errorf("bob reads alice's order %s during the outage: %d", id, s)
		}
	}
	proxy.SetCut(false)
	if err := n.stop(sigterm); err != nil {
		t.Fatal(err)
	}

	direct := storetest.Open(t, dsn)
	for _, id := range ids {
		if owner, err := direct.Owner(context.Background(), "order", id); err != nil || owner != "1" {
			t.Errorf("order %s in the store: %q, %v; want owner 1", id, owner, err)
		}
	}
	logs := n.stdout.String() + n.stderr.String()
	if c := strings.Count(logs, "owner records cannot be written to the store"); c != 1 {
		t.Errorf("%d outage lines, want 1:\n%s", c, logs)
	}
	for _, bad := range []string{"record object owner", "lost at shutdown"} {
		if strings.Contains(logs, bad) {
			t.Errorf("log has %q:\n%s", bad, logs)
		}
	}
}
