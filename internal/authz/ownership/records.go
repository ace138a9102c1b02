package ownership

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Defaults of Config fields left zero.
const (
	DefaultCacheSize         = 100000
	DefaultNegativeCacheSize = 10000
	DefaultPollInterval      = 250 * time.Millisecond
	DefaultNegativeTTL       = 2 * time.Second
	// DefaultMaxStale is the least MaxStale defaults to; it is at least
	// four poll intervals.
	DefaultMaxStale = 10 * time.Second
	// lookupTimeout bounds one store lookup or write on the request path.
	lookupTimeout = 2 * time.Second
)

// Config configures Records. Zero fields take the defaults above.
type Config struct {
	// CacheSize bounds cached owners. Default 100000 (about 10 MB with
	// short ids).
	CacheSize int
	// NegativeCacheSize bounds remembered unknown objects, so that probing
	// random ids cannot push real owners out of the cache. Default 10000.
	NegativeCacheSize int
	// PollInterval is how often ownership_events is read to drop changed
	// objects from the cache: a change on another node reaches this one
	// within about this long. Default 250ms.
	PollInterval time.Duration
	// NegativeTTL is how long an object with no record is remembered as
	// unknown, so a flood of requests for it costs one store lookup per
	// NegativeTTL. Default 2s.
	NegativeTTL time.Duration
	// MaxStale is how long polling may fail before the cache is bypassed
	// and every lookup reads the store. Default max(10s, 4×PollInterval).
	MaxStale time.Duration
	// OutboxSize bounds the owner records queued while the store cannot be
	// written (see Record). Default DefaultOutboxSize.
	OutboxSize int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.CacheSize < 0 || c.NegativeCacheSize < 0 || c.PollInterval < 0 || c.NegativeTTL < 0 || c.MaxStale < 0 ||
		c.OutboxSize < 0 {
		return c, errors.New("ownership: durations and sizes must not be negative")
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.NegativeCacheSize == 0 {
		c.NegativeCacheSize = DefaultNegativeCacheSize
	}
	if c.OutboxSize == 0 {
		c.OutboxSize = DefaultOutboxSize
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.NegativeTTL == 0 {
		c.NegativeTTL = DefaultNegativeTTL
	}
	if c.MaxStale == 0 {
		c.MaxStale = max(DefaultMaxStale, 4*c.PollInterval)
	}
	if c.MaxStale <= c.PollInterval {
		return c, fmt.Errorf("ownership: max stale %v must exceed the poll interval %v", c.MaxStale, c.PollInterval)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// Store is where Records keeps ownership records; *store.Store is one.
type Store interface {
	Owner(ctx context.Context, objectType, objectID string) (string, error)
	SetOwner(ctx context.Context, r store.OwnershipRecord) error
	DeleteOwner(ctx context.Context, objectType, objectID string) error
	OwnershipEventsSince(ctx context.Context, afterID int64) ([]store.OwnershipEvent, error)
	LatestOwnershipEventID(ctx context.Context) (int64, error)
	// Changes wakes the poller when an ownership event is committed (nil:
	// poll at the interval only).
	Changes(ctx context.Context, channel string, log *slog.Logger) <-chan struct{}
}

// Records answers "who owns this object?" from a cache kept in step with
// the store. It is safe for concurrent use.
type Records struct {
	cfg   Config
	st    Store
	log   *slog.Logger
	cache *cache
	// outbox queues the records whose write failed.
	outbox *outbox
	// polledAt is when polling last succeeded (Unix ns); 0 before the first
	// poll. It is only consulted once Start has run.
	polledAt atomic.Int64
	started  atomic.Bool

	mu     sync.Mutex // guards cancel, done and closed
	cancel context.CancelFunc
	done   chan struct{} // closed when the poll loop has returned
	closed bool
}

// New returns Records over st. Call Start to keep its cache in step with
// other nodes, and Close when done. Until Start, the cache is trusted as it
// is: fit for one node alone, or tests.
func New(st Store, cfg Config, logger *slog.Logger) (*Records, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("ownership: a store is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := newCache(cfg.CacheSize, cfg.NegativeCacheSize)
	return &Records{cfg: cfg, st: st, log: logger, cache: c, outbox: newOutbox(st, c, cfg.OutboxSize, logger)}, nil
}

// Owner returns the owner of the object and found=true, or found=false when
// it has no record ("unknown": the route's rule decides). A cached answer
// costs no store round trip. When the store cannot answer, or the type or id
// could not be stored (empty, longer than store.MaxOwnershipField, not
// UTF-8), it returns an error: the caller must refuse, never treat that as
// unknown.
func (r *Records) Owner(ctx context.Context, objectType, objectID string) (owner string, found bool, err error) {
	now := r.cfg.Now()
	k := objectKey{objectType, objectID}
	if owner, ok := r.outbox.lookup(k); ok {
		return owner, true, nil // recorded here, not yet in the store
	}
	sh := r.cache.shard(k)
	fresh := r.fresh(now)
	if fresh {
		if owner, found, ok := sh.lookup(k, now); ok {
			return owner, found, nil
		}
	}
	gen := sh.generation()
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	owner, err = r.st.Owner(ctx, objectType, objectID)
	switch {
	case errors.Is(err, store.ErrOwnerNotFound):
		sh.put(k, "", false, now.Add(r.cfg.NegativeTTL), gen, now)
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("ownership: owner of %s %q: %w", objectType, objectID, err)
	}
	sh.put(k, owner, true, time.Time{}, gen, now)
	return owner, true, nil
}

// fresh reports whether the cache may answer: before Start, always; after,
// only while polling has succeeded within MaxStale.
func (r *Records) fresh(now time.Time) bool {
	if !r.started.Load() {
		return true
	}
	at := r.polledAt.Load()
	return at != 0 && now.UnixNano()-at < int64(r.cfg.MaxStale)
}

// Record stores owner as the owner of the object, replacing any earlier
// owner, and caches it here at once; other nodes see it within a poll
// interval.
//
// When the store cannot be written (or older records still wait), the
// record is queued in the outbox instead and Record returns nil: this node
// answers Owner for it at once, and one goroutine writes the queue in order,
// retrying with backoff until the store answers; then the change log carries
// it to other nodes. Past Config.OutboxSize queued records it returns
// ErrOutboxFull and keeps nothing: the caller must not acknowledge the
// create. The write does not depend on ctx's cancellation (the object
// exists whether or not the client waits), only on its values.
func (r *Records) Record(ctx context.Context, objectType, objectID, owner string) error {
	now := r.cfg.Now()
	rec := store.OwnershipRecord{ObjectType: objectType, ObjectID: objectID, Owner: owner, CreatedAt: now}
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("ownership: record: %w", err)
	}
	k := objectKey{objectType, objectID}
	var cause error
	if r.outbox.empty() {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		cause = r.st.SetOwner(wctx, rec)
		cancel()
		if cause == nil {
			r.cache.shard(k).set(k, owner, now)
			r.outbox.ok(ctx)
			return nil
		}
	}
	if err := r.outbox.add(ctx, rec, cause); err != nil {
		if errors.Is(err, errClosed) && cause != nil {
			return fmt.Errorf("ownership: record: %w", cause)
		}
		return err
	}
	r.cache.shard(k).set(k, owner, now)
	return nil
}

// Delete removes the object's record, here at once and on other nodes
// within a poll interval. Deleting an object with no record succeeds.
func (r *Records) Delete(ctx context.Context, objectType, objectID string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	k := objectKey{objectType, objectID}
	err := r.st.DeleteOwner(ctx, objectType, objectID)
	r.cache.shard(k).drop(k) // even on error: the delete may have committed
	if err != nil && !errors.Is(err, store.ErrOwnerNotFound) {
		return fmt.Errorf("ownership: delete: %w", err)
	}
	return nil
}
