package h1serve

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// requestContext is a request's context: the connection's values, cancelled
// (with context.Canceled) when the handler returns, when the client is gone
// or its connection breaks — what context.WithCancel of the connection's
// context gave, for one small allocation instead of about seven.
//
// What it saves on every request, from the whole-pipeline profile: a
// cancelCtx, the children map its parent grows on the first registration,
// the Done channel that registration asks for, and context.AfterFunc's own
// context and closures for the synchronous upstream client's interrupt —
// about 1.2 KiB, seven allocations and 2–3 µs of map and lock work.
//
//   - Done's channel is made only when someone asks for it.
//   - AfterFunc makes it an afterFuncer: context.WithCancel, WithTimeout and
//     AfterFunc of a request context register here instead of starting a
//     goroutine to wait on Done (what they do for a context type they do
//     not know).
//   - HookCancel/UnhookCancel hold one function without allocating: the
//     synchronous upstream client's interrupt (internal/proxy), which must
//     unblock its connection's I/O when the request is cancelled. A second
//     hook is refused and its caller falls back to context.AfterFunc.
//
// A requestContext is never reused: a goroutine may keep a request's context
// after the request (http.Server's contexts are not reused either).
type requestContext struct {
	values    context.Context // the connection's: values only, never cancelled
	cancelled atomic.Bool

	mu        sync.Mutex
	done      chan struct{} // made by the first Done
	hook      func()        // HookCancel's, until it runs or is unhooked
	hookFired bool          // the hook ran (or was refused by a cancelled context and ran at once)
	funcs     []*afterFunc  // AfterFunc's, until cancel runs them
}

type afterFunc struct{ f func() }

// Deadline reports the connection's (none: the values context has none).
func (c *requestContext) Deadline() (time.Time, bool) { return c.values.Deadline() }

// Value looks key up in the connection's values.
func (c *requestContext) Value(key any) any { return c.values.Value(key) }

// Err is context.Canceled once the request is cancelled, nil before.
func (c *requestContext) Err() error {
	if c.cancelled.Load() {
		return context.Canceled
	}
	return nil
}

// Done returns a channel closed when the request is cancelled.
func (c *requestContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.cancelled.Load() {
			close(c.done)
		}
	}
	return c.done
}

// AfterFunc arranges for f to run in its own goroutine once the request is
// cancelled (at once if it is); stop unregisters f and reports whether that
// stopped it from running — context.AfterFunc's contract, which the context
// package relies on when it finds this method.
func (c *requestContext) AfterFunc(f func()) (stop func() bool) {
	a := &afterFunc{f: f}
	c.mu.Lock()
	if c.cancelled.Load() {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	c.funcs = append(c.funcs, a)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, g := range c.funcs {
			if g == a {
				c.funcs = append(c.funcs[:i], c.funcs[i+1:]...)
				return true
			}
		}
		return false
	}
}

// HookCancel sets f to be called once the request is cancelled, on the
// cancelling goroutine (f must be quick and must not block: the synchronous
// client's sets a deadline). A context already cancelled calls f at once.
// It reports false, and does nothing, when a hook is already set: the caller
// then uses context.AfterFunc.
func (c *requestContext) HookCancel(f func()) bool {
	c.mu.Lock()
	if c.hook != nil || c.hookFired {
		c.mu.Unlock()
		return false
	}
	if c.cancelled.Load() {
		c.hookFired = true
		c.mu.Unlock()
		f()
		return true
	}
	c.hook = f
	c.mu.Unlock()
	return true
}

// UnhookCancel removes HookCancel's function and reports whether it had not
// run (true: it never will); either way the slot is free again.
func (c *requestContext) UnhookCancel() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hookFired {
		c.hookFired = false
		return false
	}
	c.hook = nil
	return true
}

// cancel cancels the request: Err answers context.Canceled, Done's channel
// closes, the hook runs here and AfterFunc's functions in goroutines of their
// own. Only the first call does anything.
func (c *requestContext) cancel() {
	c.mu.Lock()
	if c.cancelled.Load() {
		c.mu.Unlock()
		return
	}
	c.cancelled.Store(true)
	if c.done != nil {
		close(c.done)
	}
	hook := c.hook
	if hook != nil {
		c.hook, c.hookFired = nil, true
	}
	funcs := c.funcs
	c.funcs = nil
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	for _, a := range funcs {
		go a.f()
	}
}

// String names the context, as the context package's own do.
func (c *requestContext) String() string { return "h1serve.requestContext" }
