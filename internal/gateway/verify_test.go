package gateway

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// TestVerifyCollectsWhatServeRefuses: Verify runs the build serve runs
// (buildRoute) but collects every problem, each at its route's line, and
// serve refuses the same plan with the first of them.
func TestVerifyCollectsWhatServeRefuses(t *testing.T) {
	up := echoUpstream(t)
	src := "admin:\n  listen: \"off\"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [none]\n    routes:\n" +
		"      - match: GET /a\n        rate_limits: [{by: [ip], rate: 3/m}]\n" +
		"      - match: GET /b\n" +
		"  - name: blog\n    upstream: " + up.URL + "\n    auth: [none]\n    routes:\n      - match: GET /posts\n"
	p, diags := config.Parse("t.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if errs := Verify(p); len(errs) != 0 {
		t.Fatalf("a good plan: %v", errs)
	}
	bad := cors.Options{AllowOrigins: []string{"*"}, AllowCredentials: true} // config.Load refuses it too
	p.APIs[0].Routes[0].CORS = &bad
	p.APIs[0].Routes[1].CORS = &bad
	p.APIs[1].Upstream.Targets = []string{"ftp://nowhere"}
	errs := Verify(p)
	if len(errs) != 3 {
		t.Fatalf("want 3 problems, got %v", errs)
	}
	for i, want := range []struct {
		route string
		line  int
		text  string
	}{
		{p.APIs[0].Routes[0].Name, p.APIs[0].Routes[0].Line, "cors: "},
		{p.APIs[0].Routes[1].Name, p.APIs[0].Routes[1].Line, "cors: "},
		{"(upstream)", p.APIs[1].Routes[0].Line, ""},
	} {
		e := errs[i]
		if e.Route != want.route || e.Line != want.line || e.Line == 0 || !strings.Contains(e.Error(), want.text) {
			t.Errorf("problem %d: %+v (%v), want route %s at line %d", i, e, e, want.route, want.line)
		}
	}
	_, err := New(p, Deps{Metrics: metrics.New(), Audit: &events{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || err.Error() != errs[0].Error() {
		t.Fatalf("serve refused with %v, check with %v", err, errs[0])
	}
}
