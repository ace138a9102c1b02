package demo

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The tests in this file prove that each flaw the demo teaches is really
// there when the shop is reached directly.

func TestBOLAReadsOtherUsersObjects(t *testing.T) {
	_, srv := newServer(t)
	alice := bearer(login(t, srv, "alice", "alice-password"))
	tests := []struct {
		name, path string
	}{
		{"bob's order by id", "/orders/1004"},
		{"bob's order list", "/users/2/orders"},
		{"bob's user record", "/users/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, "GET", tt.path, nil, alice...)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", resp.status, resp.body)
			}
			if !strings.Contains(string(resp.body), `"owner_id": 2`) && !strings.Contains(string(resp.body), `"username": "bob"`) {
				t.Errorf("alice did not get bob's data: %s", resp.body)
			}
		})
	}
}

func TestExcessiveDataExposure(t *testing.T) {
	_, srv := newServer(t)
	var u map[string]any
	call(t, srv, "GET", "/users/1", nil).decode(t, &u)
	want := map[string]string{
		"card_number": "4111111111111111",
		"ssn":         "078-05-1120",
		"email":       "alice@example.com",
	}
	for field, value := range want {
		if u[field] != value {
			t.Errorf("%s = %v, want %q", field, u[field], value)
		}
	}
	if hash, _ := u["password_hash"].(string); !strings.HasPrefix(hash, "$2b$12$") || len(hash) != 60 {
		t.Errorf("password_hash = %q, want a bcrypt-looking string", hash)
	}
	for _, field := range []string{"phone", "internal_notes"} {
		if s, _ := u[field].(string); s == "" {
			t.Errorf("%s missing", field)
		}
	}
}

func TestSQLInjection(t *testing.T) {
	_, srv := newServer(t)
	search := func(q string) []map[string]any {
		t.Helper()
		resp := call(t, srv, "GET", "/search?q="+url.QueryEscape(q), nil)
		if resp.status != http.StatusOK {
			t.Fatalf("search %q: status %d: %s", q, resp.status, resp.body)
		}
		var out struct {
			Results []map[string]any `json:"results"`
		}
		resp.decode(t, &out)
		return out.Results
	}
	plain := search("mouse")
	if len(plain) != 1 {
		t.Fatalf("plain search found %d rows, want 1", len(plain))
	}
	if all := search("' OR 1=1 --"); len(all) <= len(plain) || len(all) != len(seedProducts) {
		t.Errorf("' OR 1=1 -- found %d rows, want all %d", len(all), len(seedProducts))
	}
	names := map[any]bool{}
	for _, row := range search("' UNION SELECT id, username, password_hash, 0 FROM users --") {
		names[row["name"]] = true
	}
	for _, u := range seedUsers {
		if !names[u.Username] {
			t.Errorf("UNION did not read username %q", u.Username)
		}
	}
}

func TestNoSQLInjection(t *testing.T) {
	_, srv := newServer(t)
	tests := []struct {
		name   string
		filter string
		owners []float64 // owners that must appear
		count  int
	}{
		{"honest filter", `{"owner_id": 1}`, []float64{1}, 3},
		{"$ne null matches everything", `{"status": {"$ne": null}}`, []float64{1, 2, 3}, 7},
		{"$regex matches everything", `{"status": {"$regex": ".*"}}`, []float64{1, 2, 3}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, "POST", "/orders/search", `{"filter": `+tt.filter+`}`)
			var out struct {
				Orders []map[string]any `json:"orders"`
			}
			resp.decode(t, &out)
			if len(out.Orders) != tt.count {
				t.Fatalf("%d orders, want %d: %s", len(out.Orders), tt.count, resp.body)
			}
			seen := map[float64]bool{}
			for _, o := range out.Orders {
				seen[o["owner_id"].(float64)] = true
			}
			for _, owner := range tt.owners {
				if !seen[owner] {
					t.Errorf("no order of user %v", owner)
				}
			}
		})
	}
}

func TestMassAssignment(t *testing.T) {
	_, srv := newServer(t)
	alice := bearer(login(t, srv, "alice", "alice-password"))

	resp := call(t, srv, "PATCH", "/users/1", map[string]any{"role": "admin", "is_admin": true}, alice...)
	if resp.status != http.StatusOK {
		t.Fatalf("PATCH: status %d: %s", resp.status, resp.body)
	}
	var u user
	call(t, srv, "GET", "/users/1", nil).decode(t, &u)
	if u.Role != "admin" || !u.IsAdmin {
		t.Errorf("after PATCH role=%q is_admin=%v, want admin/true", u.Role, u.IsAdmin)
	}

	var o order
	resp = call(t, srv, "POST", "/orders", map[string]any{
		"items": []map[string]int{{"product_id": 1, "qty": 1}}, "owner_id": 2,
	}, alice...)
	resp.decode(t, &o)
	if resp.status != http.StatusCreated || o.OwnerID != 2 {
		t.Errorf("order for someone else: status %d owner %d, want 201 and 2", resp.status, o.OwnerID)
	}
}

func TestLeakyErrors(t *testing.T) {
	_, srv := newServer(t)
	tests := []struct {
		name, path, sqlError string
	}{
		{"debug crash", "/debug/crash", "no such table"},
		{"non-numeric order id", "/orders/abc", "no such column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := call(t, srv, "GET", tt.path, nil)
			if resp.status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", resp.status)
			}
			var leak leakBody
			resp.decode(t, &leak)
			if !strings.Contains(leak.Error, tt.sqlError) {
				t.Errorf("error %q does not leak %q", leak.Error, tt.sqlError)
			}
			if leak.Query == "" {
				t.Error("query not leaked")
			}
			if trace := strings.Join(leak.Stack, "\n"); !strings.Contains(trace, "goroutine") || !strings.Contains(trace, "runtime/debug.Stack") {
				t.Errorf("no Go stack trace: %s", trace)
			}
		})
	}
}

func TestNoBruteForceLimit(t *testing.T) {
	_, srv := newServer(t)
	for i := range 30 {
		resp := call(t, srv, "POST", "/login", map[string]string{"username": "bob", "password": "guess"})
		if resp.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, resp.status)
		}
	}
	login(t, srv, "bob", "bob-password") // still not locked out
}

func TestAdminWithoutChecks(t *testing.T) {
	_, srv := newServer(t)
	var out struct {
		Users []user `json:"users"`
	}
	call(t, srv, "GET", "/admin/users", nil).decode(t, &out)
	if len(out.Users) != len(seedUsers) {
		t.Fatalf("%d users, want %d", len(out.Users), len(seedUsers))
	}
	if resp := call(t, srv, "DELETE", "/admin/users/2", nil); resp.status != http.StatusNoContent {
		t.Fatalf("DELETE: status %d, want 204: %s", resp.status, resp.body)
	}
	if resp := call(t, srv, "GET", "/users/2", nil); resp.status != http.StatusNotFound {
		t.Errorf("deleted user: status %d, want 404", resp.status)
	}
	if resp := call(t, srv, "DELETE", "/admin/users/2", nil); resp.status != http.StatusNotFound {
		t.Errorf("second DELETE: status %d, want 404", resp.status)
	}
}
