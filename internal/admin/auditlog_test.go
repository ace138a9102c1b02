package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// TestAdminActionsAudited: a change through the admin API is recorded with
// decision admin and stored in full by the tiered store sink; reads are not.
func TestAdminActionsAudited(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	rec := audit.NewRecorder(audit.Config{}, nil, audit.NewTieredStoreSink("sqlite", st, audit.DefaultTierConfig()))
	rec.Start()
	a := New(Deps{Store: st, Audit: rec, Token: func() string { return "admin-token" }})
	mux := http.NewServeMux()
	a.ownersRoutes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, s := range []struct{ method, path, body string }{
		{"PUT", "/admin/api/owners/order/1001", `{"owner":"1"}`},
		{"GET", "/admin/api/owners/order/1001", ""},
		{"DELETE", "/admin/api/owners/order/1001", ""},
	} {
		req, _ := http.NewRequest(s.method, srv.URL+s.path, strings.NewReader(s.body))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.QueryAudit(context.Background(), store.AuditFilter{Decision: audit.DecisionAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d admin events stored, want the PUT and the DELETE: %+v", len(rows), rows)
	}
	if e := rows[1].Event; e.Method != "PUT" || e.Rule != "PUT /admin/api/owners/{object}/{id}" || e.Status != 200 ||
		e.Principal != "admin" || e.Reason != "admin_action" || !strings.HasPrefix(e.RequestID, "admin-") {
		t.Fatalf("PUT event = %+v", e)
	}
}
