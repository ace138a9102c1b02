package h1serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type ctxKey struct{}

func newReqCtx() *requestContext {
	return &requestContext{values: context.WithValue(context.Background(), ctxKey{}, "conn")}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitClosed waits (bounded) for ch to close: AfterFunc's functions and
// derived contexts are cancelled from goroutines.
func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: not done 5 s after the request context was cancelled", what)
	}
}

func TestRequestContextCancel(t *testing.T) {
	c := newReqCtx()
	if c.Value(ctxKey{}) != "conn" {
		t.Fatalf("Value = %v; want the connection's", c.Value(ctxKey{}))
	}
	if _, ok := c.Deadline(); ok {
		t.Error("Deadline reported one; the connection's context has none")
	}
	early := c.Done()
	if c.Err() != nil || isClosed(early) {
		t.Fatalf("before cancel: Err = %v, Done closed = %v", c.Err(), isClosed(early))
	}
	if c.Done() != early {
		t.Error("Done returned a different channel on the second call")
	}
	c.cancel()
	c.cancel() // a second cancel does nothing (and does not close twice)
	if !errors.Is(c.Err(), context.Canceled) || !isClosed(early) {
		t.Fatalf("after cancel: Err = %v, Done closed = %v", c.Err(), isClosed(early))
	}
	if !errors.Is(context.Cause(c), context.Canceled) {
		t.Errorf("Cause = %v; want context.Canceled", context.Cause(c))
	}
	late := newReqCtx()
	late.cancel()
	if !isClosed(late.Done()) {
		t.Error("Done asked for after cancel is not closed")
	}
}

// TestRequestContextDerived: the context package's own derivations cancel
// with the request.
func TestRequestContextDerived(t *testing.T) {
	c := newReqCtx()
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	timed, cancelTimed := context.WithTimeout(c, time.Hour)
	defer cancelTimed()
	stopped, stopCancel := context.WithCancel(c)
	cancelStopped := make(chan struct{})
	ran := make(chan struct{})
	stop := context.AfterFunc(c, func() { close(ran) })
	var neverRan atomic.Bool
	stop2 := context.AfterFunc(c, func() { neverRan.Store(true) })
	if !stop2() {
		t.Fatal("stopping an AfterFunc before cancel reported false")
	}
	stopCancel() // a child cancelled on its own
	close(cancelStopped)
	if child.Value(ctxKey{}) != "conn" {
		t.Error("a derived context lost the connection's values")
	}
	c.cancel()
	waitClosed(t, "WithCancel child", child.Done())
	waitClosed(t, "WithTimeout child", timed.Done())
	waitClosed(t, "AfterFunc", ran)
	if !errors.Is(child.Err(), context.Canceled) || !errors.Is(timed.Err(), context.Canceled) {
		t.Errorf("children: Err = %v, %v; want context.Canceled", child.Err(), timed.Err())
	}
	if stop() {
		t.Error("stop after the function ran reported true")
	}
	if !errors.Is(stopped.Err(), context.Canceled) {
		t.Errorf("the child cancelled on its own: Err = %v", stopped.Err())
	}
	time.Sleep(10 * time.Millisecond)
	if neverRan.Load() {
		t.Error("a stopped AfterFunc ran")
	}
	// AfterFunc on a cancelled context runs at once; its stop reports false.
	done := make(chan struct{})
	if context.AfterFunc(c, func() { close(done) })() {
		t.Error("stop of an AfterFunc on a cancelled context reported true")
	}
	waitClosed(t, "AfterFunc after cancel", done)
}

// TestRequestContextDerivedWithoutGoroutines: contexts derived from a request
// context, directly or through a WithValue wrapper (tracing and httptrace put
// one in between), register with a cancelCtx the context package finds through
// Value — none starts a goroutine to wait on Done, as none did when the
// request context was a context.WithCancel.
func TestRequestContextDerivedWithoutGoroutines(t *testing.T) {
	const n = 200
	c := newReqCtx()
	wrapped := context.WithValue(c, ctxKey{}, "span")
	before := runtime.NumGoroutine()
	var cancels []context.CancelFunc
	var children []context.Context
	for i := range n {
		parent := context.Context(c)
		if i%2 == 1 {
			parent = wrapped
		}
		child, cancel := context.WithCancel(parent)
		cancels = append(cancels, cancel)
		children = append(children, child)
		timed, cancelTimed := context.WithTimeout(parent, time.Hour)
		cancels = append(cancels, cancelTimed)
		children = append(children, timed)
	}
	if grown := runtime.NumGoroutine() - before; grown > n/10 {
		t.Fatalf("%d goroutines started for %d derived contexts; want none", grown, 2*n)
	}
	c.cancel()
	for i, child := range children {
		waitClosed(t, fmt.Sprintf("derived context %d", i), child.Done())
	}
	for _, cancel := range cancels {
		cancel()
	}
}

func TestRequestContextHook(t *testing.T) {
	var calls atomic.Int32
	f := func() { calls.Add(1) }

	c := newReqCtx()
	if !c.HookCancel(f) {
		t.Fatal("HookCancel on a fresh context refused")
	}
	if c.HookCancel(f) {
		t.Fatal("a second hook was accepted; the slot holds one")
	}
	if !c.UnhookCancel() {
		t.Fatal("UnhookCancel before cancel reported that the hook ran")
	}
	if !c.HookCancel(f) {
		t.Fatal("the slot is not free after UnhookCancel")
	}
	c.cancel()
	if calls.Load() != 1 {
		t.Fatalf("hook ran %d times at cancel; want once, on the cancelling goroutine", calls.Load())
	}
	if c.UnhookCancel() {
		t.Error("UnhookCancel after the hook ran reported true")
	}
	// A context already cancelled runs the hook at once.
	if !c.HookCancel(f) || calls.Load() != 2 {
		t.Fatalf("hook on a cancelled context: calls = %d; want it run at once", calls.Load())
	}
	if c.UnhookCancel() {
		t.Error("UnhookCancel of a hook run at once reported true")
	}
}

// TestRequestContextRace cancels while other goroutines hook, unhook, derive
// and ask for Done: run under -race; every hook either ran once or was
// stopped and never ran.
func TestRequestContextRace(t *testing.T) {
	for range 200 {
		c := newReqCtx()
		var ran atomic.Int32
		var hooked, stopped atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			if c.HookCancel(func() { ran.Add(1) }) {
				hooked.Store(true)
				stopped.Store(c.UnhookCancel())
			}
		})
		wg.Go(func() {
			child, cancel := context.WithCancel(c)
			defer cancel()
			_ = child.Err()
		})
		wg.Go(func() { _ = c.Done() })
		wg.Go(c.cancel)
		wg.Wait()
		if !isClosed(c.Done()) {
			t.Fatal("Done not closed after cancel")
		}
		// Once everything returned: a hook UnhookCancel stopped never ran,
		// one it did not stop ran once.
		if want := int32(0); hooked.Load() && !stopped.Load() {
			want = 1
			if ran.Load() != want {
				t.Fatalf("hook not stopped ran %d times; want once", ran.Load())
			}
		} else if ran.Load() != want {
			t.Fatalf("hook ran %d times after UnhookCancel stopped it (or it was never set)", ran.Load())
		}
	}
}

// TestServeRequestContext: a handler's request carries a requestContext with
// the server's values, cancelled once the handler returns.
func TestServeRequestContext(t *testing.T) {
	got := make(chan context.Context, 1)
	addr := serveOwn(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Value(http.ServerContextKey) == nil || r.Context().Value(http.LocalAddrContextKey) == nil {
			t.Error("request context lost the server's values")
		}
		if r.Context().Err() != nil {
			t.Errorf("request context cancelled while the handler runs: %v", r.Context().Err())
		}
		got <- r.Context()
	})})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx := <-got
	if _, ok := ctx.(*requestContext); !ok {
		t.Fatalf("request context is %T; want *requestContext", ctx)
	}
	waitClosed(t, "request context after the handler returned", ctx.Done())
}
