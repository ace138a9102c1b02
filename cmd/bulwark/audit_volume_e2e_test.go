package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// auditTiersConfig is baseConfig with a trusted proxy (so tests can speak for
// several client IPs) and a small refusal budget.
func auditTiersConfig(up string) string {
	c := strings.Replace(baseConfig(up, ""), "  shutdown_grace: 10s\n", "  shutdown_grace: 10s\n  trusted_proxies: [127.0.0.1/32]\n", 1)
	return strings.Replace(c, "  store: true\n", "  store: true\n  tiers: {refusal_budget: 5}\n", 1)
}

// TestAuditTiersAtVolume is the short variant of bench/audit-volume: allowed
// requests are counted in rollups, a flood of refusals from one source is
// summarised (every refusal counted) while another source's refusals are
// stored in full.
func TestAuditTiersAtVolume(t *testing.T) {
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), auditTiersConfig(up.URL)))
	const allowed, flood, other = 600, 400, 4
	send := func(n int, path, ip string, want int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				req, _ := http.NewRequest("GET", p.url(path), nil)
				req.Header.Set("X-Forwarded-For", ip)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("%s from %s: %d, want %d", path, ip, resp.StatusCode, want)
				}
			}()
		}
		wg.Wait()
	}
	send(allowed, "/users/7", "192.0.2.10", 200)
	send(flood, "/nope", "198.51.100.66", 404)
	send(other, "/nope", "203.0.113.5", 404)

	admin := func(path string, v any) {
		req, _ := http.NewRequest("GET", p.admin(path), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, body := do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var roll struct {
		Rollups []struct {
			Decision string
			Count    int64
		}
	}
	waitFor(t, "rollups counting every request", func() bool {
		admin("/admin/api/audit/rollups?limit=10000", &roll)
		var n int64
		for _, r := range roll.Rollups {
			n += r.Count
		}
		return n == allowed+flood+other
	})
	var events struct {
		Events []struct {
			ClientIP string `json:"client_ip"`
		}
	}
	admin("/admin/api/audit?decision=deny&client_ip=198.51.100.66&limit=1000", &events)
	full := int64(len(events.Events))
	// The budget is per minute: a flood that straddles a minute gets it twice.
	if full != 5 && full != 10 {
		t.Fatalf("flooding source: %d refusals stored in full, want the budget of 5 a minute", full)
	}
	admin("/admin/api/audit?decision=deny&client_ip=203.0.113.5&limit=1000", &events)
	if len(events.Events) != other {
		t.Fatalf("other source: %d refusals stored in full, want all %d", len(events.Events), other)
	}
	var ref struct {
		Refusals []struct {
			ClientIP string `json:"client_ip"`
			Count    int64
			Samples  []string
		}
	}
	admin("/admin/api/audit/refusals?client_ip=198.51.100.66", &ref)
	var summarised int64
	for _, r := range ref.Refusals {
		summarised += r.Count
		if len(r.Samples) == 0 {
			t.Errorf("summary without samples: %+v", r)
		}
	}
	if summarised+full != flood {
		t.Fatalf("summaries count %d refusals and %d are in full, want %d in all: %s", summarised, full, flood, fmt.Sprint(ref))
	}
	admin("/admin/api/audit?decision=allow&limit=1000", &events)
	if n := len(events.Events); n > allowed/100+1 {
		t.Fatalf("%d allowed events stored in full; the 1%% sample allows %d", n, allowed/100+1)
	}
}
