package audit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// flushFake is a Flusher that counts events and what its flushes made
// durable, failing while told to.
type flushFake struct {
	mu      sync.Mutex
	pending int
	durable int
	flushes int
	fail    bool
	every   time.Duration
}

func (f *flushFake) Name() string              { return "flushfake" }
func (f *flushFake) FlushEvery() time.Duration { return f.every }
func (f *flushFake) Write(_ context.Context, b []Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending += len(b)
	return nil
}

func (f *flushFake) Flush(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushes++
	if f.fail {
		return errors.New("store down")
	}
	f.durable += f.pending
	f.pending = 0
	return nil
}

func (f *flushFake) state() (durable, pending int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.durable, f.pending
}

// TestFlusherOnTickAndClose: a Flusher's events become durable on its tick
// while the recorder runs, a failing flush keeps them (logged once) for the
// next tick, and Close flushes what is left.
func TestFlusherOnTickAndClose(t *testing.T) {
	f := &flushFake{every: 20 * time.Millisecond, fail: true}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	r := NewRecorder(Config{}, logger, f)
	r.Start()
	for i := range 10 {
		r.Record(Event{RequestID: string(rune('a' + i)), Decision: DecisionAllow})
	}
	waitUntil(t, "failing flushes", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.flushes >= 3 && f.pending == 10
	})
	if d, _ := f.state(); d != 0 {
		t.Fatalf("durable %d while the store fails", d)
	}
	f.mu.Lock()
	f.fail = false
	f.mu.Unlock()
	waitUntil(t, "the flush after recovery", func() bool { d, _ := f.state(); return d == 10 })
	r.Record(Event{RequestID: "last", Decision: DecisionAllow})
	f.mu.Lock()
	f.every = time.Hour // too late for the running ticker; Close must flush
	f.mu.Unlock()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, p := f.state(); d != 11 || p != 0 {
		t.Fatalf("after Close: durable %d, pending %d; want 11, 0", d, p)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logs.String(), "audit sink flush failed"); n != 1 {
		t.Fatalf("%d failure lines for one outage:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "audit sink recovered") {
		t.Fatalf("no recovery line:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitUntil polls cond until it holds or a generous deadline passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFailingSinkLogsOncePerOutage: a sink that fails for a while, with its
// buffer filling and draining as batches are retried and dropped, logs one
// failure line and one recovery line, not a "buffer full" line per cycle.
func TestFailingSinkLogsOncePerOutage(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	s := &memSink{name: "flaky", fail: func(int) error {
		if down.Load() {
			return errors.New("store down")
		}
		return nil
	}}
	var logs logtest.Buffer
	// Small batches and queue: the sink's buffer is two batches deep.
	r := NewRecorder(Config{QueueSize: 8, BatchSize: 4, FlushInterval: 5 * time.Millisecond}, newTestLogger(&logs), s)
	r.Start()
	for i := range 400 {
		r.Record(testEvent(i))
		if i%8 == 0 {
			time.Sleep(time.Millisecond) // spread over several retry cycles
		}
	}
	waitUntil(t, "drops while the sink is down", func() bool { return r.Stats().Dropped > 0 })
	down.Store(false)
	r.Record(testEvent(1000))
	waitUntil(t, "the recovery line", func() bool { return strings.Contains(logs.String(), "audit sink recovered") })
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "audit sink write failed"); n != 1 {
		t.Errorf("%d failure lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "audit sink buffer full"); n != 0 {
		t.Errorf("%d buffer-full lines during one failure streak, want 0:\n%s", n, out)
	}
}
