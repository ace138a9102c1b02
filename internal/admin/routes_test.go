package admin

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// The route view speaks the config's language (snake_case, durations as
// strings) and lists the guards in pipeline order.
func TestRouteViewShape(t *testing.T) {
	src := `admin:
  listen: "off"
identity:
  api_keys:
    pepper: ${env:PEPPER}
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    auth: [none]
    rate_limits: [{by: [ip], rate: 10/s, burst: 5}]
    routes:
      - match: GET /users/{id}
        auth: [api_key]
        scopes: [users:read]
        owner: [{param: id, equals: sub}]
        response: {allow: [id, name], sensitive: {card: redact}}
      - match: PATCH /users/{id}
        auth: [api_key]
        readonly_fields: [role]
`
	plan, diags := config.Parse("t.yaml", []byte(src), func(string) (string, bool) { return "pepper-0123456789abcdef-0123456789abcdef", true }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v := newRouteView(plan.APIs[0], plan.APIs[0].Routes[0])
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	_ = json.Unmarshal(b, &generic)
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	var walk func(any)
	walk = func(x any) {
		switch t2 := x.(type) {
		case map[string]any:
			for k, y := range t2 {
				if !snake.MatchString(k) {
					t.Errorf("key %q is not snake_case", k)
				}
				walk(y)
			}
		case []any:
			for _, y := range t2 {
				walk(y)
			}
		}
	}
	walk(generic)
	if v.Limits.ReadBodyTimeout == "" || regexp.MustCompile(`^\d+$`).MatchString(v.Limits.ReadBodyTimeout) {
		t.Fatalf("duration as %q", v.Limits.ReadBodyTimeout)
	}
	var order []string
	for _, g := range v.Guards {
		order = append(order, g.Guard)
	}
	want := []string{"hygiene", "authentication", "rate_limit", "injection", "ownership", "response_filter", "sensitive_values", "error_sanitizer"}
	if len(order) < len(want) {
		t.Fatalf("guards %v", order)
	}
	at := 0
	for _, g := range order {
		if at < len(want) && g == want[at] {
			at++
		}
	}
	if at != len(want) {
		t.Fatalf("guards %v, want in order %v", order, want)
	}
	if w := newRouteView(plan.APIs[0], plan.APIs[0].Routes[1]); w.Guards[len(w.Guards)-1].Guard == "ownership" {
		t.Fatal("a route without owner rules shows one")
	}
}
