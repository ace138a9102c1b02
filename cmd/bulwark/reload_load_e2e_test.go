package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestReloadsUnderLoadFailNoRequest keeps four clients sending requests while
// the config changes (a route added or renamed) and is reloaded by SIGHUP 100
// times: no request may fail, and every reload must apply.
func TestReloadsUnderLoadFailNoRequest(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, baseConfig(up.URL, ""))
	p := startBulwark(t, "serve", "-c", cfg)

	var (
		ok, failed atomic.Int64
		firstFail  atomic.Value
		stop       = make(chan struct{})
		wg         sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(p.url(fmt.Sprintf("/users/%d-%d", w, i)))
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					firstFail.CompareAndSwap(nil, fmt.Sprintf("%v %v", err, resp))
					continue
				}
				ok.Add(1)
			}
		}()
	}
	reloads := func() int { return strings.Count(p.stderr.String(), `"config reloaded"`) }
	const n = 100
	for i := range n {
		before := reloads()
		// Atomic replace, so a file watcher never reads half a file.
		tmp := filepath.Join(dir, "next.yaml")
		if err := os.WriteFile(tmp, []byte(baseConfig(up.URL, fmt.Sprintf("      - match: GET /extra%d\n", i))), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfg); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		waitFor(t, fmt.Sprintf("reload %d", i+1), func() bool { return reloads() > before })
	}
	// The last change is in force.
	waitFor(t, "the last route", func() bool {
		resp, err := http.Get(p.url(fmt.Sprintf("/extra%d", n-1)))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	close(stop)
	wg.Wait()
	t.Logf("%d reloads applied; %d requests answered 200 meanwhile, %d failed", reloads(), ok.Load(), failed.Load())
	if failed.Load() > 0 || ok.Load() == 0 {
		t.Fatalf("%d requests failed across %d reloads (first: %v); %d succeeded", failed.Load(), n, firstFail.Load(), ok.Load())
	}
}
