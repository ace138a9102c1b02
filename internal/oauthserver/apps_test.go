package oauthserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// The connected-apps page and API say which data categories an app read
// lately: the routes the user's requests were answered on (the audit trail's
// rollups), mapped to categories by the config, as far as the app's grant
// reaches them.
func TestAppsReadLately(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{
		{"sqlite", storetest.SQLiteDSN(t)},
		{"postgres", storetest.PostgresDSN(t)},
	} {
		t.Run(tc.name, func(t *testing.T) { testAppsReadLately(t, tc.dsn) })
	}
}

func testAppsReadLately(t *testing.T, dsn string) {
	h := newHarness(t, dsn, func(o *Options) {
		o.ActivityWindow = 24 * time.Hour
		o.Reads = []RouteReads{
			{API: "shop", Route: "GET /me/orders", Scopes: []string{"orders:read"}, Categories: []string{"orders"}},
			{API: "shop", Route: "GET /me", Scopes: []string{"profile"}, Categories: []string{"email"}},
			{API: "shop", Route: "GET /admin/orders", Scopes: []string{"admin"}, Categories: []string{"orders"}},
		}
	})
	b := h.browser()
	h.code(b, h.config()) // the app is granted orders:read only
	ctx := context.Background()

	list := func() App {
		t.Helper()
		resp := h.get(b, h.ts.URL+PathAppsAPI)
		var out struct{ Apps []App }
		if err := json.Unmarshal([]byte(body(t, resp)), &out); err != nil || len(out.Apps) != 1 {
			t.Fatalf("list: %v %+v", err, out)
		}
		return out.Apps[0]
	}
	if got := list().ReadLately; got == nil || len(got) != 0 {
		t.Fatalf("nothing read yet, got %+v", got)
	}

	now := time.Now().UTC().Truncate(time.Minute) // the grant was made in this minute
	roll := func(minute time.Time, consumer, route, decision string, class int) audit.Rollup {
		return audit.Rollup{RollupKey: audit.RollupKey{Minute: minute, API: "shop", Route: route, Consumer: consumer,
			StatusClass: class, Decision: decision}, Count: 3}
	}
	uid := h.user.ID
	batch := &audit.TieredBatch{Rollups: []audit.Rollup{
		roll(now.Add(-2*time.Minute), uid, "GET /me/orders", audit.DecisionAllow, 2), // read: orders
		roll(now, uid, "GET /me/orders", audit.DecisionAllow, 2),                     // later: the time shown
		roll(now.Add(time.Minute), uid, "GET /me/orders", audit.DecisionAllow, 4),    // a 404 read nothing
		roll(now, uid, "GET /me", audit.DecisionAllow, 2),                            // the grant lacks profile
		roll(now, uid, "GET /admin/orders", audit.DecisionDeny, 4),                   // refused
		roll(now, "someone-else", "GET /me/orders", audit.DecisionAllow, 2),          // another user
		roll(now.Add(-48*time.Hour), uid, "GET /me", audit.DecisionAllow, 2),         // outside the window
	}}
	if err := h.st.AppendTiered(ctx, batch); err != nil {
		t.Fatal(err)
	}
	app := list()
	if len(app.ReadLately) != 1 || app.ReadLately[0].Category != "orders" || !app.ReadLately[0].LastRead.Equal(now) {
		t.Fatalf("read lately: %+v (want orders at %s)", app.ReadLately, now)
	}
	page := body(t, h.get(b, h.ts.URL+PathApps))
	if !strings.Contains(page, "Read lately:") || !strings.Contains(page, "<li>orders, last <time datetime=\""+now.Format(time.RFC3339)) {
		t.Fatalf("page lacks the read categories:\n%s", page)
	}
	if strings.Contains(page, "<li>email") {
		t.Fatalf("page shows a category the grant does not reach:\n%s", page)
	}
}
