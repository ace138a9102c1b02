package main

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func limitsConfig(up, extra string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:limits.db
audit: {stdout: true, store: false}
` + extra + `
apis:
  - name: shop
    upstream: ` + up + `
    auth: [none]
    routes:
      - match: GET /users/{id}
        rate_limits:
          - by: [ip]
            rate: 3/m
            burst: 3
      - match: GET /orders
        rate_limits:
          - by: [route]
            rate: 20/m
            burst: 1
            mode: throttle
            max_delay: 4500ms
      - match: GET /events
        rate_limits:
          - by: [route]
            rate: 20/m
            burst: 20
`
}

func statusOf(t *testing.T, req *http.Request) (int, http.Header) {
	t.Helper()
	resp, _ := do(t, req)
	return resp.StatusCode, resp.Header
}

func TestRateLimitRejectsWithHeadersAndResistsBypass(t *testing.T) {
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), limitsConfig(up.URL, "")))

	// Path variants and spoofed forwarding headers all land in one bucket.
	variants := []string{"/users/1", "/users//1/", "/users/%31", "/users/./2"}
	for i, path := range variants[:3] {
		req, _ := http.NewRequest("GET", p.url("/"), nil)
		req.URL.Opaque = path
		req.Header.Set("X-Forwarded-For", "10.9.9."+string(rune('1'+i)))
		status, h := statusOf(t, req)
		if status != 200 || !strings.Contains(h.Get("RateLimit-Policy"), `;q=3;w=60`) || h.Get("RateLimit") == "" {
			t.Fatalf("request %d (%s): %d %v", i, path, status, h)
		}
	}
	req, _ := http.NewRequest("GET", p.url("/"), nil)
	req.URL.Opaque = variants[3]
	req.Header.Set("X-Forwarded-For", "10.9.9.9")
	resp, body := do(t, req)
	mustProblem(t, resp, body, 429, "rate_limited")
	if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Retry-After") == "0" || !strings.Contains(resp.Header.Get("RateLimit"), "r=0") {
		t.Fatalf("429 headers: %v", resp.Header)
	}
	// Another route has its own limits.
	if status, _ := statusOf(t, mustReq(t, p.url("/events"))); status != 200 {
		t.Fatalf("other route: %d", status)
	}
}

func mustReq(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestThrottleDelaysThenRefuses(t *testing.T) {
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), limitsConfig(up.URL, "")))
	// One per 3s with max_delay 4.5s: of five simultaneous requests, the first
	// passes at once, the second waits its turn (about 3s), the rest would wait
	// too long. Slots 3s apart (not 1s): a request arriving up to 1.5s after
	// the first, as on a loaded CI machine, still finds no third slot in reach.
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := statusOf(t, mustReq(t, p.url("/orders")))
			mu.Lock()
			counts[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != 2 || counts[429] != 3 {
		t.Fatalf("statuses %v, want 2×200 and 3×429", counts)
	}
}

func TestTwoNodesShareOneLimitOnRedis(t *testing.T) {
	redisURL := os.Getenv("BULWARK_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BULWARK_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0): skipping the two-node Redis test")
	}
	up := upstream(t)
	// A distinct API name gives this run its own Redis keys.
	name := "shop" + randomSuffix(t)
	cfg := strings.Replace(limitsConfig(up.URL, "cluster:\n  redis: "+redisURL+"\n"), "  - name: shop\n", "  - name: "+name+"\n", 1)
	n1 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	n2 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	allowed := 0
	start := time.Now()
	for i := range 40 {
		n := n1
		if i%2 == 1 {
			n = n2
		}
		if status, _ := statusOf(t, mustReq(t, n.url("/events"))); status == 200 {
			allowed++
		}
	}
	// 20/m with a burst of 20: the burst, plus the refills (one per 3s) of
	// the time the requests took, which a loaded CI machine stretches; two
	// separate limits would allow 40.
	refills := 1 + int(time.Since(start)/(3*time.Second))
	if allowed < 20 || allowed > 20+refills {
		t.Fatalf("two nodes allowed %d requests in %v, want 20 (+%d refills; one shared limit)", allowed, time.Since(start), refills)
	}
}

func TestIPv6RotationInsideA64SharesOneBucket(t *testing.T) {
	up := upstream(t)
	cfg := strings.Replace(limitsConfig(up.URL, ""), "server:\n  listen: 127.0.0.1:0\n",
		"server:\n  listen: 127.0.0.1:0\n  trusted_proxies: [127.0.0.1]\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	from := func(ip string) int {
		req := mustReq(t, p.url("/users/1"))
		req.Header.Set("X-Forwarded-For", ip)
		status, _ := statusOf(t, req)
		return status
	}
	// Three requests from three addresses of one /64 use up its bucket (3/m).
	for i, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:aaaa::7"} {
		if status := from(ip); status != 200 {
			t.Fatalf("request %d: %d", i, status)
		}
	}
	if status := from("2001:db8:1:2:dead:beef:0:1"); status != 429 {
		t.Fatalf("a fresh address inside the same /64 opened a new bucket: %d", status)
	}
	// Another /64 is another subscriber.
	if status := from("2001:db8:1:3::1"); status != 200 {
		t.Fatalf("another /64: %d", status)
	}
}
