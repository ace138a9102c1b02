package changelog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeLog is an in-memory change log of int ids.
type fakeLog struct {
	ids  []int64
	down atomic.Bool
}

var errDown = errors.New("store down")

func (f *fakeLog) latest(context.Context) (int64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	if len(f.ids) == 0 {
		return 0, nil
	}
	return f.ids[len(f.ids)-1], nil
}

func (f *fakeLog) since(_ context.Context, after int64) ([]int64, error) {
	if f.down.Load() {
		return nil, errDown
	}
	var out []int64
	for _, id := range f.ids {
		if id > after && len(out) < 2 { // pages of two
			out = append(out, id)
		}
	}
	return out, nil
}

type harness struct {
	log     *fakeLog
	applied []int64
	resets  int
	now     time.Time
	out     bytes.Buffer
	p       *Poller[int64]
}

func newHarness() *harness {
	h := &harness{log: &fakeLog{}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.p = New(Config[int64]{
		Name: "test events", Latest: h.log.latest, Since: h.log.since, Page: 2,
		ID: func(e int64) int64 { return e }, Apply: func(evs []int64) { h.applied = append(h.applied, evs...) },
		Reset: func() { h.resets++ }, Now: func() time.Time { return h.now },
		Log: slog.New(slog.NewTextHandler(&h.out, nil)), FailHint: []any{"meanwhile", "cache bypassed"},
	})
	return h
}

func TestPollerFollowsTheLog(t *testing.T) {
	h := newHarness()
	ctx := context.Background()
	h.log.ids = []int64{1, 2}
	if _, err := h.p.Poll(ctx); err != nil || h.resets != 1 || len(h.applied) != 0 {
		t.Fatalf("first poll: err %v, resets %d, applied %v (it synchronizes, applies nothing)", err, h.resets, h.applied)
	}
	h.log.ids = append(h.log.ids, 3, 5, 8, 9, 12) // more than one page, ids with gaps
	if _, err := h.p.Poll(ctx); err != nil || !slices.Equal(h.applied, []int64{3, 5, 8, 9, 12}) {
		t.Fatalf("second poll: err %v, applied %v", err, h.applied)
	}
	if _, err := h.p.Poll(ctx); err != nil || len(h.applied) != 5 {
		t.Fatalf("nothing new: err %v, applied %v", err, h.applied)
	}
}

func TestPollerLogsAnOutageOnceAndResyncs(t *testing.T) {
	h := newHarness()
	ctx := context.Background()
	h.log.ids = []int64{1}
	_, _ = h.p.Poll(ctx)
	h.log.down.Store(true)
	for range 3 {
		if _, err := h.p.Poll(ctx); !errors.Is(err, errDown) {
			t.Fatalf("err = %v", err)
		}
	}
	if n := strings.Count(h.out.String(), "polling failed"); n != 1 {
		t.Fatalf("%d failure warnings, want 1:\n%s", n, h.out.String())
	}
	if !strings.Contains(h.out.String(), "meanwhile") {
		t.Fatalf("the hint is missing:\n%s", h.out.String())
	}
	// A short outage resumes where it stopped.
	h.log.down.Store(false)
	h.log.ids = append(h.log.ids, 2)
	if _, err := h.p.Poll(ctx); err != nil || !slices.Equal(h.applied, []int64{2}) || h.resets != 1 {
		t.Fatalf("after a short outage: err %v, applied %v, resets %d", err, h.applied, h.resets)
	}
	if !strings.Contains(h.out.String(), "polling recovered") {
		t.Fatalf("no recovery line:\n%s", h.out.String())
	}
	// A long one starts again from the newest event with an empty cache.
	h.log.down.Store(true)
	_, _ = h.p.Poll(ctx)
	h.now = h.now.Add(ResyncAfter + time.Second)
	h.log.down.Store(false)
	h.log.ids = []int64{7} // older events pruned meanwhile
	if _, err := h.p.Poll(ctx); err != nil || h.resets != 2 || !slices.Equal(h.applied, []int64{2}) {
		t.Fatalf("after a long outage: err %v, resets %d, applied %v", err, h.resets, h.applied)
	}
	h.log.ids = append(h.log.ids, 10)
	if _, err := h.p.Poll(ctx); err != nil || !slices.Equal(h.applied, []int64{2, 10}) {
		t.Fatalf("after resync: err %v, applied %v", err, h.applied)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	h := newHarness()
	h.p.cfg.Interval = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var polls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.p.Run(ctx, func(time.Time) {
			if polls.Add(1) == 3 {
				cancel()
			}
		})
	}()
	<-done
	if polls.Load() < 3 {
		t.Fatalf("%d polls", polls.Load())
	}
}

func TestRunPollsAtOnceOnAWake(t *testing.T) {
	h := newHarness()
	h.p.cfg.Interval = time.Hour // only a wake can make the second poll happen
	wake := make(chan struct{}, 1)
	h.p.cfg.Wake = wake
	applied := make(chan []int64, 8)
	h.p.cfg.Apply = func(evs []int64) { applied <- slices.Clone(evs) }
	polled := make(chan struct{}, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.p.Run(ctx, func(time.Time) { polled <- struct{}{} })
	}()
	defer func() { cancel(); <-done }()
	next := func(what string) []int64 {
		t.Helper()
		select {
		case evs := <-applied:
			return evs
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing applied (the interval is an hour)", what)
			return nil
		}
	}
	<-polled // the first poll synchronizes
	h.log.ids = []int64{1, 2, 3}
	wake <- struct{}{}
	if got := append(next("first wake"), next("first wake, second page")...); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("applied %v after a wake, want [1 2 3]", got)
	}
	<-polled
	h.log.ids = append(h.log.ids, 4)
	wake <- struct{}{}
	if got := next("second wake"); !slices.Equal(got, []int64{4}) {
		t.Fatalf("applied %v after the second wake, want [4]", got)
	}
}

// An interval poll (not a wake) that finds changes of a notified poller is
// counted: a notification was lost or late.
func TestIntervalPollsThatCatchChangesAreCounted(t *testing.T) {
	var (
		mu  sync.Mutex
		ids []int64
	)
	applied := make(chan struct{}, 8)
	p := New(Config[int64]{Name: "test events", Page: 10,
		Latest: func(context.Context) (int64, error) { return 0, nil },
		Since: func(_ context.Context, after int64) ([]int64, error) {
			mu.Lock()
			defer mu.Unlock()
			var out []int64
			for _, id := range ids {
				if id > after {
					out = append(out, id)
				}
			}
			return out, nil
		},
		ID: func(e int64) int64 { return e }, Apply: func([]int64) { applied <- struct{}{} }, Reset: func() {},
		Interval: 5 * time.Millisecond, Wake: make(chan struct{}), // notified, but no wake ever comes
	})
	before := CaughtByPoll()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx, nil) }()
	mu.Lock()
	ids = []int64{1}
	mu.Unlock()
	select {
	case <-applied:
	case <-time.After(10 * time.Second):
		t.Fatal("the interval poll applied nothing")
	}
	cancel()
	<-done
	if n := CaughtByPoll() - before; n != 1 {
		t.Fatalf("CaughtByPoll grew by %d, want 1", n)
	}
}
