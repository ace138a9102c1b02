package outage

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// Many concurrent failures make one line; the recovery one more, with the
// count; the next outage starts over.
func TestOneLinePerOutage(t *testing.T) {
	var buf logtest.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, nil)), "dep failed", "dep recovered")
	if l.OK(context.Background()) {
		t.Fatal("recovery logged without an outage")
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				l.Fail(context.Background(), errors.New("connection refused"), "name", "idp")
			}
		}()
	}
	wg.Wait()
	if !l.Failing() {
		t.Fatal("not failing after failures")
	}
	var oks sync.WaitGroup
	for range 20 {
		oks.Add(1)
		go func() { defer oks.Done(); l.OK(context.Background(), "name", "idp") }()
	}
	oks.Wait()
	logs := buf.String()
	if n := strings.Count(logs, `msg="dep failed"`); n != 1 {
		t.Fatalf("%d failure lines:\n%s", n, logs)
	}
	if n := strings.Count(logs, `msg="dep recovered"`); n != 1 || !strings.Contains(logs, "failures=200") || !strings.Contains(logs, "outage=") {
		t.Fatalf("recovery lines:\n%s", logs)
	}
	if !strings.Contains(logs, `error="connection refused"`) || !strings.Contains(logs, "name=idp") {
		t.Fatalf("failure line lacks its attributes:\n%s", logs)
	}
	l.Fail(context.Background(), errors.New("again"))
	if n := strings.Count(buf.String(), `msg="dep failed"`); n != 2 {
		t.Fatalf("a second outage was not logged: %d lines", n)
	}
}

func TestCounts(t *testing.T) {
	var c Counts
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Add("b")
			}
			c.Add("a")
		}()
	}
	wg.Wait()
	s := c.Snapshot()
	if len(s) != 2 || s[0] != (Count{"a", 10}) || s[1] != (Count{"b", 1000}) || c.Get("b") != 1000 || c.Get("x") != 0 {
		t.Fatalf("snapshot %v", s)
	}
}
