package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestWebSocketPassesThrough(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			_ = c.WriteMessage(mt, append([]byte("echo:"), msg...))
		}
	}))
	defer up.Close()
	cfg := baseConfig(up.URL, "      - match: GET /ws\n")
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))

	c, resp, err := websocket.DefaultDialer.Dial("ws://"+p.addrs["proxy"]+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through the gateway: %v (%v)", err, resp)
	}
	defer c.Close()
	for _, m := range []string{"one", "two", "three"} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != "echo:"+m {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	c.Close()
	waitFor(t, "audit event of the upgrade", func() bool {
		for _, line := range strings.Split(p.stdout.String(), "\n") {
			var ev struct {
				Route  string `json:"route"`
				Status int    `json:"status"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Route == "GET /ws" && ev.Status == 101 {
				return true
			}
		}
		return false
	})
}

func TestTrustedProxyForwardsClientIP(t *testing.T) {
	up := upstream(t)
	cfg := strings.Replace(baseConfig(up.URL, ""), "  shutdown_grace: 10s\n",
		"  shutdown_grace: 10s\n  trusted_proxies: [127.0.0.1]\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	req.Header.Set("X-Request-Id", "lb-abc-123")
	resp, body := do(t, req)
	var echo map[string]string
	_ = json.Unmarshal(body, &echo)
	if echo["xff"] != "203.0.113.9" || resp.Header.Get("X-Request-Id") != "lb-abc-123" || echo["request_id"] != "lb-abc-123" {
		t.Fatalf("from a trusted proxy: xff=%q id=%q upstream id=%q", echo["xff"], resp.Header.Get("X-Request-Id"), echo["request_id"])
	}
	waitFor(t, "audit with the forwarded client", func() bool {
		return strings.Contains(p.stdout.String(), `"client_ip":"203.0.113.9"`)
	})
}
