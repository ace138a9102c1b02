package ownership

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/outage"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// DefaultOutboxSize is how many owner records the outbox holds by default
// while the store cannot be written. Past it, a create is answered 503
// (ErrOutboxFull) rather than acknowledged without its record.
const DefaultOutboxSize = 10000

// Outbox retry pacing: the delay after a failed write starts at
// outboxMinBackoff and doubles up to outboxMaxBackoff; while flushing at
// shutdown it is at most outboxFlushBackoff.
const (
	outboxMinBackoff   = 50 * time.Millisecond
	outboxMaxBackoff   = 2 * time.Second
	outboxFlushBackoff = 100 * time.Millisecond
)

// ErrOutboxFull is returned by Record when the store cannot be written and
// the outbox already holds its bound of records: the caller must not
// acknowledge the create (the gateway answers 503).
var ErrOutboxFull = errors.New("ownership: the store cannot be written and the outbox is full")

// errClosed refuses records after Close: nothing would write them.
var errClosed = errors.New("ownership: records closed")

// errConflict is a queued record whose object has another owner in the
// store by the time it is written.
var errConflict = errors.New("the object has another owner in the store")

// Process-wide outbox counters, read by the metrics at each scrape.
var (
	outboxPending      atomic.Int64
	outboxRetried      atomic.Uint64
	outboxLostShutdown atomic.Uint64
	outboxLostConflict atomic.Uint64
	outboxRefused      atomic.Uint64
)

// OutboxStats are the owner-record outbox's figures for the process.
type OutboxStats struct {
	// Pending is how many records wait in the outbox now.
	Pending int64
	// Retried counts records written by the outbox after their first
	// attempt failed.
	Retried uint64
	// LostShutdown counts acknowledged records still queued when the
	// process stopped (the shutdown grace ended before the store answered).
	LostShutdown uint64
	// LostConflict counts queued records not written because, by the time
	// the store answered, the object had another owner (never taken over).
	LostConflict uint64
	// Refused counts creates refused (503) because the outbox was full.
	Refused uint64
}

// Stats returns the process's outbox figures.
func Stats() OutboxStats {
	return OutboxStats{Pending: outboxPending.Load(), Retried: outboxRetried.Load(),
		LostShutdown: outboxLostShutdown.Load(), LostConflict: outboxLostConflict.Load(), Refused: outboxRefused.Load()}
}

// outbox holds owner records whose write failed, in arrival order, and
// writes them with one goroutine, oldest first, retrying with backoff until
// the store answers. A write is idempotent: it reads the object's owner
// first and writes only when there is none (an upsert of the same record
// after an ambiguous failure changes nothing); an object that meanwhile got
// another owner is never taken over.
type outbox struct {
	st     Store
	cache  *cache
	logger *slog.Logger
	out    *outage.Log
	max    int

	n       atomic.Int64 // len(q), read without the lock on the lookup path
	mu      sync.Mutex
	q       []store.OwnershipRecord
	pending map[objectKey]pend // the newest queued owner of each queued object
	running bool               // the writer goroutine was started
	full    bool               // a record was refused since the queue was last empty
	closed  bool
	cancel  context.CancelFunc // stops the writer
	wake    chan struct{}      // cap 1: a record was queued
	flush   chan struct{}      // closed by close: drain and return
	done    chan struct{}      // closed when the writer returns
}

type pend struct {
	owner string
	n     int // queued records of the object
}

func newOutbox(st Store, c *cache, size int, logger *slog.Logger) *outbox {
	return &outbox{st: st, cache: c, logger: logger, max: size,
		out: outage.New(logger, "owner records cannot be written to the store; queued in the outbox and retried",
			"owner records written to the store again; the outbox is empty"),
		pending: map[objectKey]pend{}, wake: make(chan struct{}, 1), flush: make(chan struct{}), done: make(chan struct{})}
}

// empty reports whether nothing is queued; one atomic load.
func (o *outbox) empty() bool { return o.n.Load() == 0 }

// lookup returns the newest queued owner of k: this node's knowledge of an
// object the store does not hold yet.
func (o *outbox) lookup(k objectKey) (string, bool) {
	if o.empty() {
		return "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.pending[k]
	return p.owner, ok
}

// add queues rec, whose write failed with cause (nil: not tried because
// older records are queued). It returns ErrOutboxFull past the bound.
func (o *outbox) add(ctx context.Context, rec store.OwnershipRecord, cause error) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return errClosed
	}
	if len(o.q) >= o.max {
		first := !o.full
		o.full = true
		o.mu.Unlock()
		outboxRefused.Add(1)
		if first {
			o.logger.Error("owner-record outbox full: creates on routes with records_owner are answered 503 until the store answers",
				"bound", o.max)
		}
		if cause != nil {
			o.out.Fail(ctx, cause, "pending", o.max)
		}
		return ErrOutboxFull
	}
	o.q = append(o.q, rec)
	k := objectKey{rec.ObjectType, rec.ObjectID}
	p := o.pending[k]
	o.pending[k] = pend{owner: rec.Owner, n: p.n + 1}
	o.n.Store(int64(len(o.q)))
	outboxPending.Add(1)
	n := len(o.q)
	if !o.running {
		o.running = true
		var wctx context.Context
		wctx, o.cancel = context.WithCancel(context.Background())
		go o.run(wctx)
	}
	o.mu.Unlock()
	if cause != nil {
		o.out.Fail(ctx, cause, "pending", n)
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// ok notes a write that worked on the request path.
func (o *outbox) ok(ctx context.Context) {
	if o.out.Failing() && o.empty() {
		o.out.OK(ctx)
	}
}

// run writes the queue, oldest first, until close has asked it to drain
// and the queue is empty, or ctx ends.
func (o *outbox) run(ctx context.Context) {
	defer close(o.done)
	backoff := outboxMinBackoff
	flush := o.flush // nil once seen closed
	for {
		o.mu.Lock()
		if len(o.q) == 0 {
			closed := o.closed
			o.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-o.wake:
			case <-flush:
				flush = nil
			case <-ctx.Done():
				return
			}
			continue
		}
		rec := o.q[0]
		o.mu.Unlock()
		err := o.write(ctx, rec)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			o.pop()
			outboxRetried.Add(1)
			backoff = outboxMinBackoff
			o.drained(ctx)
			continue
		case errors.Is(err, errConflict):
			o.pop()
			outboxLostConflict.Add(1)
			k := objectKey{rec.ObjectType, rec.ObjectID}
			if _, queued := o.lookup(k); !queued {
				o.cache.shard(k).drop(k) // the store's owner is the truth
			}
			o.logger.Warn("queued owner record not written: the object has another owner in the store; ownership not changed",
				"object", rec.ObjectType)
			o.drained(ctx)
			continue
		}
		o.out.Fail(ctx, err, "pending", o.n.Load())
		wait := backoff
		if flush == nil {
			wait = min(wait, outboxFlushBackoff)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-flush:
			flush = nil
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
		backoff = min(2*backoff, outboxMaxBackoff)
	}
}

// drained ends the outage once the queue is empty: a store that fails
// again while the queue drains is still the same outage, one line.
func (o *outbox) drained(ctx context.Context) {
	if o.empty() {
		o.out.OK(ctx)
	}
}

// write stores rec unless the store already holds it; a different owner
// is errConflict.
func (o *outbox) write(ctx context.Context, rec store.OwnershipRecord) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	cur, err := o.st.Owner(ctx, rec.ObjectType, rec.ObjectID)
	switch {
	case err == nil && cur == rec.Owner:
		return nil // an earlier attempt committed after all
	case err == nil:
		return errConflict
	case !errors.Is(err, store.ErrOwnerNotFound):
		return err
	}
	return o.st.SetOwner(ctx, rec)
}

// pop removes the oldest record.
func (o *outbox) pop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	rec := o.q[0]
	o.q[0] = store.OwnershipRecord{}
	o.q = o.q[1:]
	if len(o.q) == 0 {
		o.q = nil
		o.full = false // the next full outbox is a new outage: logged again
	}
	k := objectKey{rec.ObjectType, rec.ObjectID}
	if p := o.pending[k]; p.n <= 1 {
		delete(o.pending, k)
	} else {
		p.n--
		o.pending[k] = p
	}
	o.n.Store(int64(len(o.q)))
	outboxPending.Add(-1)
}

// close refuses new records and writes the queued ones until ctx ends;
// what is left then is dropped, counted as lost and logged once. It
// returns how many were lost. Later calls return 0.
func (o *outbox) close(ctx context.Context) int {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return 0
	}
	o.closed = true
	running := o.running
	o.mu.Unlock()
	close(o.flush)
	if running {
		select {
		case <-o.done:
		case <-ctx.Done():
			o.cancel()
			<-o.done
		}
		o.cancel()
	}
	o.mu.Lock()
	lost := len(o.q)
	o.q, o.pending = nil, map[objectKey]pend{}
	o.n.Store(0)
	o.mu.Unlock()
	if lost > 0 {
		outboxPending.Add(-int64(lost))
		outboxLostShutdown.Add(uint64(lost))
		o.logger.Error("owner records lost at shutdown: the store could not be written before the shutdown grace ended",
			"records", lost)
	}
	return lost
}
