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
// context gave, without its cost on the requests that never ask for more.
//
// What it saves on every such request, from the whole-pipeline profile: a
// cancelCtx, the children map its parent grows on the first registration,
// the Done channel that registration asks for, and context.AfterFunc's own
// context and closures for the synchronous upstream client's interrupt —
// about 1.2 KiB, seven allocations and 2–3 µs of map and lock work.
//
//   - The first Done makes a real context.WithCancel of the connection's
//     values (inner), returns its channel, and from then on Value answers
//     from it. The context package finds a cancelCtx through Value, so
//     every context derived from this one — directly, or through a
//     WithValue wrapper (tracing, httptrace) — registers as that cancelCtx's
//     child, as before, and never starts a goroutine to wait on Done.
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
	inner     atomic.Pointer[innerContext] // made by the first Done

	mu        sync.Mutex
	hook      func() // HookCancel's, until it runs or is unhooked
	hookFired bool   // the hook ran (or was refused by a cancelled context and ran at once)
}

type innerContext struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// Deadline reports the connection's (none: the values context has none).
func (c *requestContext) Deadline() (time.Time, bool) { return c.values.Deadline() }

// Value looks key up in the connection's values — through inner once there
// is one, which also answers the context package's own lookup of a cancelCtx.
func (c *requestContext) Value(key any) any {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	return c.values.Value(key)
}

// Err is context.Canceled once the request is cancelled, nil before.
func (c *requestContext) Err() error {
	if c.cancelled.Load() {
		return context.Canceled
	}
	return nil
}

// Done returns a channel closed when the request is cancelled.
func (c *requestContext) Done() <-chan struct{} {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Done()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.inner.Load()
	if in == nil {
		ctx, cancel := context.WithCancel(c.values)
		in = &innerContext{ctx: ctx, cancel: cancel}
		c.inner.Store(in)
		if c.cancelled.Load() {
			cancel()
		}
	}
	return in.ctx.Done()
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
// closes (and with it every context derived from this one), the hook runs
// here. Only the first call does anything.
func (c *requestContext) cancel() {
	c.mu.Lock()
	if c.cancelled.Load() {
		c.mu.Unlock()
		return
	}
	c.cancelled.Store(true)
	hook := c.hook
	if hook != nil {
		c.hook, c.hookFired = nil, true
	}
	in := c.inner.Load()
	c.mu.Unlock()
	if in != nil {
		in.cancel()
	}
	if hook != nil {
		hook()
	}
}

// String names the context, as the context package's own do.
func (c *requestContext) String() string { return "h1serve.requestContext" }
