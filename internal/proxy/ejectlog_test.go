package proxy

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// msgCount counts the log lines whose message is msg (logfmt output).
func msgCount(l *logtest.Buffer, msg string) int { return l.Count(`msg="` + msg + `"`) }

// Many requests in flight to one target when it fails: every one of them
// fails after the target is already ejected. The ejection is logged once,
// not once per MaxFails racing failures; the first good answer after the
// outage is one "target recovered" line. Run with -race.
func TestEjectionLoggedOncePerOutage(t *testing.T) {
	const inFlight = 48
	var status atomic.Int64
	status.Store(http.StatusBadGateway)
	var arrived atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if s := status.Load(); s != http.StatusOK {
			// Hold every request until all are in flight: they all picked
			// the target before any failure ejected it.
			if arrived.Add(1) == inFlight {
				once.Do(func() { close(release) })
			}
			select {
			case <-release:
			case <-time.After(30 * time.Second): // a safety net against a hung test, not an assertion on speed
			}
			w.WriteHeader(int(s))
		}
	})
	var logs logtest.Buffer
	up, err := New(Config{Name: "shop", Targets: []string{be.URL}, MaxFails: 3, FailWindow: 10 * time.Second, EjectFor: 30 * time.Second},
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	up.now = clock.Now
	f := newFront(t, up, frontOpts{})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inFlight}}
	t.Cleanup(c.CloseIdleConnections)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(f.URL + "/")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("status %d, want the target's 502", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	for range inFlight {
		f.outcome(t)
	}
	if n := msgCount(&logs, "target ejected"); n != 1 {
		t.Fatalf("%d ejection lines for %d failures racing, want 1:\n%s", n, inFlight, logs.String())
	}
	if !up.Health()[0].Ejected {
		t.Fatal("target not ejected")
	}
	// Still failing when the ejection ends: ejected again, the same outage, no new line.
	clock.Advance(31 * time.Second)
	for range 3 {
		resp := get(t, c, f.URL+"/")
		resp.Body.Close()
		f.outcome(t)
	}
	if !up.Health()[0].Ejected || msgCount(&logs, "target ejected") != 1 {
		t.Fatalf("re-ejection in the same outage: ejected %v, lines %d", up.Health()[0].Ejected, msgCount(&logs, "target ejected"))
	}
	// Back: one recovery line, with the outage's failure count.
	status.Store(http.StatusOK)
	clock.Advance(31 * time.Second)
	for range 5 {
		resp := get(t, c, f.URL+"/")
		resp.Body.Close()
		f.outcome(t)
	}
	if n := msgCount(&logs, "target recovered"); n != 1 || !strings.Contains(logs.String(), "failures=2") {
		t.Fatalf("%d recovery lines, want 1 counting 2 ejections:\n%s", n, logs.String())
	}
	// A new outage is a new line.
	status.Store(http.StatusBadGateway) // the barrier stays open: release is closed
	for range 3 {
		resp := get(t, c, f.URL+"/")
		resp.Body.Close()
		f.outcome(t)
	}
	if n := msgCount(&logs, "target ejected"); n != 2 {
		t.Fatalf("a second outage: %d ejection lines, want 2:\n%s", n, logs.String())
	}
}
