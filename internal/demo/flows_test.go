package demo

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file prove that the shop works as a shop.

func TestLogin(t *testing.T) {
	_, srv := newServer(t)
	tests := []struct {
		name   string
		body   string
		status int
		userID int64
	}{
		{"alice", `{"username":"alice","password":"alice-password"}`, 200, 1},
		{"bob", `{"username":"bob","password":"bob-password"}`, 200, 2},
		{"admin", `{"username":"admin","password":"admin-password"}`, 200, 3},
		{"wrong password", `{"username":"alice","password":"bob-password"}`, 401, 0},
		{"unknown user", `{"username":"mallory","password":"x"}`, 401, 0},
		{"not JSON", `username=alice`, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, "POST", "/login", tt.body)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			var out struct {
				Token  string `json:"token"`
				UserID int64  `json:"user_id"`
				Error  string `json:"error"`
			}
			resp.decode(t, &out)
			if tt.status == 200 && (len(out.Token) != 64 || out.UserID != tt.userID) {
				t.Errorf("token %q user %d, want 64 hex chars and user %d", out.Token, out.UserID, tt.userID)
			}
			if tt.status == 401 && out.Error != "invalid credentials" {
				t.Errorf("error %q, want invalid credentials", out.Error)
			}
		})
	}
}

func TestCreateOrder(t *testing.T) {
	_, srv := newServer(t)
	alice := bearer(login(t, srv, "alice", "alice-password"))
	items := map[string]any{"items": []map[string]int{{"product_id": 2, "qty": 3}}}
	tests := []struct {
		name    string
		headers []string
		body    any
		status  int
		owner   int64
	}{
		{"bearer token", alice, items, 201, 1},
		{"gateway subject header", []string{"X-Bulwark-Subject", "2"}, items, 201, 2},
		{"no caller", nil, items, 401, 0},
		{"unknown product", alice, `{"items":[{"product_id":99,"qty":1}]}`, 400, 0},
		{"no items", alice, `{"items":[]}`, 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, "POST", "/orders", tt.body, tt.headers...)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if tt.status != 201 {
				return
			}
			var o order
			resp.decode(t, &o)
			if loc := resp.header.Get("Location"); loc != "/orders/"+strconv.FormatInt(o.ID, 10) {
				t.Errorf("Location %q for order %d", loc, o.ID)
			}
			if o.ID <= 1007 || o.OwnerID != tt.owner || o.TotalCents != 3*2900 || o.Status != "pending" {
				t.Errorf("order = %+v", o)
			}
			var again order
			call(t, srv, "GET", resp.header.Get("Location"), nil).decode(t, &again)
			if again.ID != o.ID || again.TotalCents != o.TotalCents {
				t.Errorf("GET Location = %+v, want %+v", again, o)
			}
		})
	}
	var own struct {
		Orders []order `json:"orders"`
	}
	call(t, srv, "GET", "/users/1/orders", nil, alice...).decode(t, &own)
	if len(own.Orders) != 4 {
		t.Errorf("alice has %d orders, want 3 seeded + 1 new", len(own.Orders))
	}
	for _, o := range own.Orders {
		if o.OwnerID != 1 {
			t.Errorf("order %d of user %d in alice's list", o.ID, o.OwnerID)
		}
	}
}

func TestChangeAndDeleteOrder(t *testing.T) {
	_, srv := newServer(t)
	var o order
	resp := call(t, srv, "PUT", "/orders/1003", `{"status":"paid","items":[{"product_id":10,"qty":2}]}`)
	resp.decode(t, &o)
	if resp.status != 200 || o.Status != "paid" || o.TotalCents != 2400 {
		t.Fatalf("PUT: status %d order %+v", resp.status, o)
	}
	if resp := call(t, srv, "PUT", "/orders/9999", `{"status":"paid"}`); resp.status != 404 {
		t.Errorf("PUT missing order: status %d, want 404", resp.status)
	}
	if resp := call(t, srv, "DELETE", "/orders/1003", nil); resp.status != 204 {
		t.Fatalf("DELETE: status %d, want 204", resp.status)
	}
	if resp := call(t, srv, "GET", "/orders/1003", nil); resp.status != 404 {
		t.Errorf("deleted order: status %d, want 404", resp.status)
	}
}

func TestBatchOrders(t *testing.T) {
	_, srv := newServer(t)
	var out struct {
		Orders []order `json:"orders"`
	}
	call(t, srv, "POST", "/orders/batch", `{"ids":[1001,1004,9999,1006]}`).decode(t, &out)
	var got []int64
	for _, o := range out.Orders {
		got = append(got, o.ID)
	}
	if len(got) != 3 || got[0] != 1001 || got[1] != 1004 || got[2] != 1006 {
		t.Errorf("batch returned %v, want [1001 1004 1006]", got)
	}
}

func TestProducts(t *testing.T) {
	_, srv := newServer(t)
	var list struct {
		Products []product `json:"products"`
	}
	call(t, srv, "GET", "/products", nil).decode(t, &list)
	if len(list.Products) != 10 {
		t.Errorf("%d products, want 10", len(list.Products))
	}
	tests := []struct {
		path   string
		status int
	}{
		{"/products/3", 200},
		{"/products/99", 404},
		{"/products/x", 400},
	}
	for _, tt := range tests {
		if resp := call(t, srv, "GET", tt.path, nil); resp.status != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.status, tt.status)
		}
	}
}

func TestIndexHealthAndJSONErrors(t *testing.T) {
	shop, srv := newServer(t)
	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"health", "GET", "/health", 200, `"status": "ok"`},
		{"index", "GET", "/", 200, `"/orders/search"`},
		{"unknown path", "GET", "/nope", 404, `"error": "Not Found"`},
		{"wrong method", "PUT", "/login", 405, `"error": "Method Not Allowed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, tt.method, tt.path, nil)
			if resp.status != tt.status || !strings.Contains(string(resp.body), tt.want) {
				t.Errorf("status %d body %s, want %d and %s", resp.status, resp.body, tt.status, tt.want)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	var index struct {
		Endpoints []indexEntry `json:"endpoints"`
	}
	call(t, srv, "GET", "/", nil).decode(t, &index)
	if len(index.Endpoints) != len(shop.routes()) {
		t.Errorf("index lists %d endpoints, want %d", len(index.Endpoints), len(shop.routes()))
	}
}

func TestEventsStreamFiveInOrder(t *testing.T) {
	shop, srv := newServer(t)
	shop.eventInterval = time.Millisecond // set before any request: no race
	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	var seqs []int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e orderEvent
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatalf("event data %q: %v", data, err)
		}
		seqs = append(seqs, e.Seq)
	}
	if len(seqs) != 5 {
		t.Fatalf("got %d events, want 5", len(seqs))
	}
	for i, seq := range seqs {
		if seq != i+1 {
			t.Errorf("event %d has seq %d", i, seq)
		}
	}
}

// TestShopsAreIndependentAndConcurrent runs two shops side by side under
// concurrent writers; -race checks the locking.
func TestShopsAreIndependentAndConcurrent(t *testing.T) {
	_, a := newServer(t)
	_, b := newServer(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", a.URL+"/orders", strings.NewReader(`{"items":[{"product_id":1,"qty":1}]}`))
			req.Header.Set("X-Bulwark-Subject", "1")
			resp, err := a.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("concurrent POST /orders: status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	count := func(resp response) int {
		var out struct {
			Orders []order `json:"orders"`
		}
		resp.decode(t, &out)
		return len(out.Orders)
	}
	if n := count(call(t, a, "GET", "/users/1/orders", nil)); n != 3+8 {
		t.Errorf("shop a: alice has %d orders, want 11", n)
	}
	if n := count(call(t, b, "GET", "/users/1/orders", nil)); n != 3 {
		t.Errorf("shop b: alice has %d orders, want 3", n)
	}
}

func TestTourMentionsItsURLs(t *testing.T) {
	gateway, upstream, admin, app := "http://127.0.0.1:18080", "http://127.0.0.1:19001", "http://127.0.0.1:19090", "http://127.0.0.1:19002"
	text := Tour(gateway+"/", upstream, admin, app)
	for _, want := range []string{
		gateway + "/login", gateway + "/events", upstream + "/orders/1004", upstream + "/search",
		admin + "/metrics", admin + "/admin/api/routes", "$BULWARK_ADMIN_TOKEN", "curl -sN",
		gateway + "/graphql", upstream + "/graphql", TourGraphQLDeep, TourGraphQLAliases, TourGraphQLDenied,
		app + "/connect", app + "/orders", gateway + "/oauth/login", gateway + "/oauth/consent", gateway + "/account/apps",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tour does not mention %q", want)
		}
	}
	for _, placeholder := range []string{"{gateway}", "{upstream}", "{admin}", "{app}"} {
		if strings.Contains(text, placeholder) {
			t.Errorf("tour still holds %s", placeholder)
		}
	}
}

func TestEventsStopWhenClientLeaves(t *testing.T) {
	shop, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	shop.eventInterval = time.Hour // the stream can only end early
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		shop.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "id: 1\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	resp.Body.Close()
	<-done // the handler returns without waiting out the hour
}
