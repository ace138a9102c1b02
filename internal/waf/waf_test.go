package waf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want []string
	}{
		{"paranoia negative", Config{Paranoia: -1}, []string{"paranoia -1"}},
		{"paranoia 5", Config{Paranoia: 5}, []string{"paranoia 5"}},
		{"threshold negative", Config{AnomalyThreshold: -5}, []string{"anomaly threshold"}},
		{"body limit negative", Config{BodyLimit: -1}, []string{"body limit"}},
		{"body limit too large", Config{BodyLimit: MaxBodyLimit + 1}, []string{"body limit"}},
		{"remove id zero", Config{RemoveRules: []int{0}}, []string{"invalid rule id 0"}},
		{"remove blocking evaluation", Config{RemoveRules: []int{949110}}, []string{"blocking evaluation"}},
		{"remove initialization", Config{RemoveRules: []int{901100}}, []string{"configures CRS"}},
		{"remove bulwark safety rule", Config{RemoveRules: []int{10002}}, []string{"safety rule"}},
		{"remove unknown rule", Config{RemoveRules: []int{942100, 942999, 1234567}}, []string{"942999, 1234567"}},
		{"every problem reported", Config{Paranoia: 9, BodyLimit: -2}, []string{"paranoia 9", "body limit -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.c)
			if err == nil {
				t.Fatalf("New(%+v) = %v, want error", tt.c, w)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q, want it to mention %q", err, want)
				}
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	w := testWAF(t, Config{})
	got := w.Config()
	want := Config{Paranoia: DefaultParanoia, AnomalyThreshold: DefaultAnomalyThreshold, BodyLimit: DefaultBodyLimit}
	if got.Paranoia != want.Paranoia || got.AnomalyThreshold != want.AnomalyThreshold ||
		got.BodyLimit != want.BodyLimit || len(got.RemoveRules) != 0 {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
}

// hexQuery trips 942450 (SQL hex encoding), a rule tagged paranoia-level/2.
const hexQuery = "/search?q=0x5345434354"

func TestParanoiaLevel2Rule(t *testing.T) {
	tests := []struct {
		name    string
		c       Config
		blocked bool
	}{
		{"PL1 passes", Config{Paranoia: 1}, false},
		{"PL2 blocks", Config{Paranoia: 2}, true},
		{"PL2 with high threshold passes", Config{Paranoia: 2, AnomalyThreshold: 10}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := testWAF(t, tt.c).Check(req("GET", hexQuery, "", nil), nil)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v.Blocked != tt.blocked {
				t.Fatalf("got %+v, want blocked=%v", v, tt.blocked)
			}
			if tt.c.Paranoia == 2 && (!hasRule(v.RuleIDs, 942450) || v.Score != 5) {
				t.Errorf("got %+v, want 942450 matched with score 5", v)
			}
		})
	}
}

func TestRemoveRules(t *testing.T) {
	tests := []struct {
		name   string
		target string
		pl     int
		remove []int
	}{
		// The known false positive of a PL2 deployment.
		{"PL2 hex rule removed", hexQuery, 2, []int{942450}},
		// Strapi-style operator filters are legitimate on some APIs; 942290 flags them.
		{"mongo operator rule removed", "/api/items?filter[price][$gte]=10", 1, []int{942290}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := testWAF(t, Config{Paranoia: tt.pl}).Check(req("GET", tt.target, "", nil), nil)
			if err != nil || !v.Blocked {
				t.Fatalf("without removal: %+v, %v; want blocked", v, err)
			}
			v, err = testWAF(t, Config{Paranoia: tt.pl, RemoveRules: tt.remove}).Check(req("GET", tt.target, "", nil), nil)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v.Blocked || hasRule(v.RuleIDs, tt.remove[0]) {
				t.Fatalf("with removal: %+v, want pass", v)
			}
		})
	}
}

func TestCheckNilRequest(t *testing.T) {
	if _, err := testWAF(t, Config{}).Check(nil, nil); err == nil {
		t.Fatal("Check(nil) succeeded, want error")
	}
}

// TestEvaluateFeedsTransaction checks what Coraza was told: addresses, request line,
// the headers net/http lifts out of Header, and the body processor CRS selected.
func TestEvaluateFeedsTransaction(t *testing.T) {
	w := testWAF(t, Config{})
	body := []byte(`{"a":"b"}`)
	r := req("POST", "/api/orders?x=1", "application/json; charset=utf-8", body)
	r.Host = "shop.example:8443"
	r.Proto = "HTTP/1.1"
	r.TransferEncoding = []string{"chunked"}
	tx := w.newTransaction(r)
	defer func() {
		tx.ProcessLogging()
		if err := tx.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := evaluate(tx, r, body); err != nil {
		t.Fatal(err)
	}
	vars := tx.(plugintypes.TransactionState).Variables()
	checks := []struct{ name, got, want string }{
		{"REMOTE_ADDR", vars.RemoteAddr().Get(), "203.0.113.7"},
		{"REMOTE_PORT", vars.RemotePort().Get(), "51234"},
		{"SERVER_ADDR", vars.ServerAddr().Get(), "192.0.2.10"},
		{"SERVER_PORT", vars.ServerPort().Get(), "8443"},
		{"SERVER_NAME", vars.ServerName().Get(), "shop.example"},
		{"REQUEST_LINE", vars.RequestLine().Get(), "POST /api/orders?x=1 HTTP/1.1"},
		{"REQUEST_HEADERS:Host", first(vars.RequestHeaders().Get("host")), "shop.example:8443"},
		{"REQUEST_HEADERS:Transfer-Encoding", first(vars.RequestHeaders().Get("transfer-encoding")), "chunked"},
		{"REQBODY_PROCESSOR", vars.RequestBodyProcessor().Get(), "JSON"},
		{"ARGS_POST:json.a", first(vars.ArgsPost().Get("json.a")), "b"},
		{"ARGS_GET:x", first(vars.ArgsGet().Get("x")), "1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// TestCheckConcurrent shares one WAF between goroutines (run with -race).
func TestCheckConcurrent(t *testing.T) {
	w := testWAF(t, Config{})
	done := make(chan error, 8)
	for i := range 8 {
		go func() {
			target := "/api/items?id=1"
			if i%2 == 1 {
				target = "/api/items?id=1%27%20OR%201=1--"
			}
			v, err := w.Check(req("GET", target, "", nil), nil)
			if err == nil && v.Blocked != (i%2 == 1) {
				err = fmt.Errorf("%s: unexpected verdict %+v", target, v)
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
