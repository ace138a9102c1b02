package audit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/redact"
)

// Sink writes a batch of events somewhere durable. Write is called from one goroutine
// per sink, never concurrently for the same Recorder. The batch is only valid during the
// call (its memory is reused): a sink must copy what it keeps. Write must return soon
// after ctx is cancelled; Close relies on that to honour its deadline.
type Sink interface {
	Write(ctx context.Context, batch []Event) error
	Name() string
}

// Flusher is a Sink that gathers what Write hands it in memory (Write does
// not fail) and makes it durable in Flush, which the recorder calls every
// FlushEvery, when the sink's last batch is delivered at Close, and never
// concurrently with Write. A failed Flush keeps what it had for the next one.
type Flusher interface {
	Sink
	Flush(ctx context.Context) error
	FlushEvery() time.Duration
}

// Stats are the Recorder's cumulative counters. With several sinks, Written and the
// sink part of Dropped count once per sink delivery.
type Stats struct {
	Queued     uint64 // events accepted by Record
	Written    uint64 // events a sink wrote successfully
	Dropped    uint64 // events lost: queue overflow, Record after Close, sink buffer full, sink failure, Close deadline
	SinkErrors uint64 // failed sink Write calls, retries included
	// Unconfirmed counts, with Config.WaitForStore, the Record calls that
	// returned without the store having written their event (dropped, failed
	// or WaitTimeout passed).
	Unconfirmed uint64
}

// Recorder is the bounded, non-blocking audit pipeline. Create it with NewRecorder,
// call Start, Record from any goroutine, and Close once at shutdown.
type Recorder struct {
	cfg     Config
	logger  *slog.Logger
	queue   chan Event
	kick    chan struct{} // wakes the dispatcher: a batch's worth is queued, or a store sink took a batch (waits)
	kickAt  int           // queue length that sends a kick
	workers []*sinkWorker
	free    chan *batch
	recent  *ring

	mu     sync.RWMutex // Record holds it shared; Close takes it to set closed
	closed bool

	startOnce sync.Once
	closeOnce sync.Once
	stop      chan struct{} // closed by Close: the dispatcher drains and exits
	done      chan struct{} // closed when every goroutine has exited
	wg        sync.WaitGroup
	ctx       context.Context // cancelled when Close runs out of time
	cancel    context.CancelFunc

	queued       atomic.Uint64
	written      atomic.Uint64
	queueDropped atomic.Uint64
	sinkDropped  atomic.Uint64
	sinkErrors   atomic.Uint64
	failingSinks atomic.Int32 // sinks whose last write failed
	unconfirmed  atomic.Uint64

	waits bool // Config.WaitForStore with a store sink
}

// NewRecorder returns a Recorder delivering to sinks. It does nothing until Start.
// A nil logger discards diagnostics.
func NewRecorder(cfg Config, logger *slog.Logger, sinks ...Sink) *Recorder {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{
		cfg:    cfg,
		logger: logger,
		queue:  make(chan Event, cfg.QueueSize),
		kick:   make(chan struct{}, 1),
		kickAt: max(1, min(cfg.BatchSize, cfg.QueueSize/2)),
		free:   make(chan *batch, cfg.sinkSlots()*len(sinks)+2),
		recent: newRing(cfg.RecentSize),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		ctx:    ctx,
		cancel: cancel,
	}
	for _, s := range sinks {
		_, store := s.(*StoreSink)
		r.waits = r.waits || (store && cfg.WaitForStore)
		r.workers = append(r.workers, &sinkWorker{sink: s, in: make(chan *batch, cfg.sinkSlots()), store: store})
	}
	return r
}

// Start launches the dispatcher and one goroutine per sink. Calling it again does nothing.
func (r *Recorder) Start() {
	r.startOnce.Do(func() {
		r.wg.Add(1 + len(r.workers))
		go r.dispatch()
		for _, w := range r.workers {
			go r.runSink(w)
		}
		go func() {
			r.wg.Wait()
			r.cancel()
			close(r.done)
		}()
	})
}

// Record queues e for the sinks. In OverflowDrop mode it never blocks: a full queue
// drops e and counts it. In OverflowBlock mode it waits up to BlockTimeout first.
// After Close, events are dropped and counted. With Config.WaitForStore (and
// a store sink) it returns once the store has written e, or given up on it,
// or WaitTimeout has passed.
//
// Before anything is queued, Bulwark keys and JWTs in the path and the object are
// masked (package redact): a credential a client put in a URL never reaches the
// audit file, the store or the recent-events view.
func (r *Recorder) Record(e Event) {
	e.Path, e.Object = redact.MaskRecorded(e.Path), redact.Mask(e.Object)
	if r.waits {
		r.recordAndWait(e)
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.queueDropped.Add(1)
		return
	}
	select {
	case r.queue <- e:
		r.queued.Add(1)
		if len(r.queue) >= r.kickAt {
			r.wake()
		}
		return
	default:
	}
	r.wake() // full: the dispatcher drains it now, not at the next tick
	if r.cfg.Overflow == OverflowBlock && r.blockingSend(e) {
		r.wake()
		return
	}
	r.queueDropped.Add(1)
}

// wake tells the dispatcher to take what is queued. Events wait in the
// queue's buffer until a batch's worth is there (or the next tick), so a
// request does not wake the dispatcher goroutine for every event.
func (r *Recorder) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// blockingSend waits up to BlockTimeout for room in the queue.
func (r *Recorder) blockingSend(e Event) bool {
	t := time.NewTimer(r.cfg.BlockTimeout)
	defer t.Stop()
	select {
	case r.queue <- e:
		r.queued.Add(1)
		return true
	case <-t.C:
		return false
	}
}

// Close stops accepting events and delivers everything queued before it to every sink.
// If ctx ends first, sink writes are cancelled, the undelivered events are counted as
// dropped, and the returned error wraps ctx.Err(). Close may be called more than once.
func (r *Recorder) Close(ctx context.Context) error {
	r.Start()
	before := r.Stats().Dropped
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
	})
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
	}
	r.cancel()
	<-r.done
	lost := r.Stats().Dropped - before
	return fmt.Errorf("audit: close: %d events dropped while draining: %w", lost, ctx.Err())
}

// Stats returns the cumulative counters.
func (r *Recorder) Stats() Stats {
	return Stats{
		Queued:      r.queued.Load(),
		Written:     r.written.Load(),
		Dropped:     r.queueDropped.Load() + r.sinkDropped.Load(),
		SinkErrors:  r.sinkErrors.Load(),
		Unconfirmed: r.unconfirmed.Load(),
	}
}

// Failing reports whether a sink's last write failed: it stays true from the
// first failed attempt until that sink writes again.
func (r *Recorder) Failing() bool { return r.failingSinks.Load() > 0 }

// Recent returns the newest recorded events matching f, newest first.
func (r *Recorder) Recent(f Filter) []Event {
	return r.recent.query(f)
}
