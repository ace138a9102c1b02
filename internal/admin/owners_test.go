package admin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
)

func TestOwnersEndpoints(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a := New(Deps{Store: st, Token: func() string { return "admin-token" }})
	mux := http.NewServeMux()
	a.ownersRoutes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	steps := []struct {
		name, method, path, body string
		noToken                  bool
		wantStatus               int
		wantBody                 string // substring
	}{
		{"no token", "GET", "/admin/api/owners", "", true, 401, "admin_unauthorized"},
		{"set", "PUT", "/admin/api/owners/order/1001", `{"owner":"1"}`, false, 200, `"owner": "1"`},
		{"set escaped id", "PUT", "/admin/api/owners/order/a%2Fb", `{"owner":"2"}`, false, 200, `"id": "a/b"`},
		{"get", "GET", "/admin/api/owners/order/1001", "", false, 200, `"owner": "1"`},
		{"get unknown", "GET", "/admin/api/owners/order/9", "", false, 404, "owner_not_found"},
		{"bad body", "PUT", "/admin/api/owners/order/1", `{"owner":"1","admin":true}`, false, 400, "bad_body"},
		{"empty owner", "PUT", "/admin/api/owners/order/1", `{"owner":""}`, false, 400, "bad_request"},
		{"list", "GET", "/admin/api/owners?object=order&owner=2", "", false, 200, `"id": "a/b"`},
		{"bad limit", "GET", "/admin/api/owners?limit=x", "", false, 400, "bad_query"},
		{"import bad", "POST", "/admin/api/owners/import", "{\"object\":\"o\",\"id\":\"1\",\"owner\":\"u\"}\nnope\n", false, 400, "line 2:"},
		{"import", "POST", "/admin/api/owners/import",
			"{\"object\":\"o\",\"id\":\"1\",\"owner\":\"u\"}\n{\"object\":\"order\",\"id\":\"1001\",\"owner\":\"5\"}\n", false, 200, `"imported": 2`},
		{"imported", "GET", "/admin/api/owners/order/1001", "", false, 200, `"owner": "5"`},
		{"import too big", "POST", "/admin/api/owners/import", strings.Repeat(" \n", maxImportBody/2+1), false, 413, "body_too_large"},
		{"delete", "DELETE", "/admin/api/owners/order/1001", "", false, 200, "deleted"},
		{"delete again", "DELETE", "/admin/api/owners/order/1001", "", false, 404, "owner_not_found"},
	}
	for _, s := range steps {
		req, err := http.NewRequest(s.method, srv.URL+s.path, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		if !s.noToken {
			req.Header.Set("Authorization", "Bearer admin-token")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.wantStatus || !strings.Contains(string(body), s.wantBody) {
			t.Errorf("%s: %d %s; want %d with %q", s.name, resp.StatusCode, body, s.wantStatus, s.wantBody)
		}
	}
	recs, err := st.ListOwners(context.Background(), store.OwnerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(recs)
	if len(recs) != 2 || !strings.Contains(string(got), `"id":"a/b"`) {
		t.Errorf("store holds %s", got)
	}
}

func TestOwnersWithoutStore(t *testing.T) {
	mux := http.NewServeMux()
	New(Deps{Token: func() string { return "t" }}).ownersRoutes(mux)
	req := httptest.NewRequest("GET", "/admin/api/owners", nil)
	req.Header.Set("Authorization", "Bearer t")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "ownership_disabled") {
		t.Errorf("without a store: %d %s", rec.Code, rec.Body)
	}
}
