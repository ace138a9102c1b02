package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// TestAuditRotationAndPruningUnderLoad: with every event stored and a small
// size bound, the JSON-lines file rotates and the store is pruned while
// requests flow, and not one request fails.
func TestAuditRotationAndPruningUnderLoad(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	const maxSize = 1 << 20
	c := strings.Replace(baseConfig(up.URL, ""), "audit:\n  stdout: true\n  store: true\n", "audit:\n  stdout: false\n  store: true\n"+
		"  file: audit.jsonl\n  rotation: {max_size: 1MiB, max_files: 3}\n  tiers: {store_all: true}\n"+
		"  max_size: 1MiB\n  prune_interval: 100ms\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, c))
	var failed atomic.Int64
	var wg sync.WaitGroup
	const workers, each = 8, 1500 // 12,000 events of ~400 bytes: ~5 MB of JSON lines, ~3 MB of store in full
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				resp, err := http.Get(p.url(fmt.Sprintf("/users/%d?w=%d", i, w)))
				if err != nil {
					failed.Add(1)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d requests failed during rotation and pruning", n)
	}
	waitFor(t, "rotated audit files", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl*"))
		return len(m) >= 1 && len(m) <= 3
	})
	waitFor(t, "the store pruned under its size", func() bool {
		st, err := os.Stat(filepath.Join(dir, "audit.db"))
		return err == nil && st.Size() <= maxSize+maxSize/4
	})
}
