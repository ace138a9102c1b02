package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// TestSIGTERMUnderLoadLosesNoAuditEvent keeps eight clients sending requests,
// sends SIGTERM while they run, and then checks the store: every request a
// client got an answer for (its X-Request-Id) has its audit event stored.
func TestSIGTERMUnderLoadLosesNoAuditEvent(t *testing.T) {
	acked, stored, _ := stopUnderLoad(t, syscall.SIGTERM)
	var lost []string
	for id := range acked {
		if !stored[id] {
			lost = append(lost, id)
		}
	}
	t.Logf("%d answered requests, %d audit events stored", len(acked), len(stored))
	if len(lost) > 0 {
		t.Fatalf("%d of %d answered requests have no stored audit event (e.g. %v)", len(lost), len(acked), lost[:min(5, len(lost))])
	}
}

// TestKillUnderLoadKeepsTheStoreUsable: kill -9 under load loses at most the
// events still in memory (reported), and the store opens again: a new
// process starts on it and serves the stored events.
func TestKillUnderLoadKeepsTheStoreUsable(t *testing.T) {
	acked, stored, cfg := stopUnderLoad(t, syscall.SIGKILL)
	lost := 0
	for id := range acked {
		if !stored[id] {
			lost++
		}
	}
	t.Logf("kill -9: %d answered requests, %d of their audit events lost (in memory when killed)", len(acked), lost)
	p := startBulwark(t, "serve", "-c", cfg)
	req, _ := http.NewRequest("GET", p.admin("/admin/api/audit?limit=1"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, body := do(t, req)
	if resp.StatusCode != 200 || (len(stored) > 0 && !strings.Contains(string(body), "request_id")) {
		t.Fatalf("after kill -9 the store does not serve its events: %d %s", resp.StatusCode, body)
	}
}

// stopUnderLoad runs eight clients against a new gateway, sends sig once 500
// requests were answered, and returns the answered request ids, the request
// ids of the stored audit events, and the config path. auditExtra is added to
// the audit section.
func stopUnderLoad(t *testing.T, sig syscall.Signal, auditExtra ...string) (acked, stored map[string]bool, cfg string) {
	up := upstream(t)
	dir := t.TempDir()
	extra := "  tiers: {store_all: true}\n" + strings.Join(auditExtra, "")
	cfg = writeConfig(t, dir, strings.Replace(baseConfig(up.URL, ""), "  store: true\n", "  store: true\n"+extra, 1))
	p := startBulwark(t, "serve", "-c", cfg)

	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	acked = map[string]bool{}
	enough := make(chan struct{})
	var once sync.Once
	client := &http.Client{}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				resp, err := client.Get(p.url(fmt.Sprintf("/users/%d-%d", w, i)))
				if err != nil {
					return // the gateway is gone
				}
				resp.Body.Close()
				id := resp.Header.Get("X-Request-Id")
				if id == "" {
					t.Errorf("an answer (%d) without X-Request-Id", resp.StatusCode)
					return
				}
				mu.Lock()
				acked[id] = true
				if len(acked) >= 500 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	<-enough
	if err := p.stop(sig); err != nil && sig != syscall.SIGKILL {
		t.Fatalf("exit: %v\n%s", err, p.stderr.String())
	}
	wg.Wait()

	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored = map[string]bool{}
	var before int64
	for {
		rows, err := st.QueryAudit(context.Background(), store.AuditFilter{Limit: store.MaxAuditLimit, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			stored[r.RequestID] = true
		}
		if len(rows) < store.MaxAuditLimit {
			break
		}
		before = rows[len(rows)-1].ID
	}
	return acked, stored, cfg
}
