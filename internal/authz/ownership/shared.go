package ownership

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// ErrNoStore refuses ownership records where no store is configured.
var ErrNoStore = errors.New("ownership records need a store")

// Shared creates the process's ownership records on first use and keeps them
// until Close: every route and every reload shares them.
type Shared struct {
	st     Store
	logger *slog.Logger
	mu     sync.Mutex
	rec    *Records
}

// NewShared returns records created from st when first asked for; a nil st
// refuses them with ErrNoStore.
func NewShared(st Store, logger *slog.Logger) *Shared {
	return &Shared{st: st, logger: logger}
}

// Get returns the records, creating and starting them the first time.
func (s *Shared) Get() (*Records, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		return s.rec, nil
	}
	if s.st == nil {
		return nil, ErrNoStore
	}
	rec, err := New(s.st, Config{}, s.logger)
	if err != nil {
		return nil, err
	}
	rec.Start(context.Background()) // stopped by Close
	s.rec = rec
	return rec, nil
}

// Shutdown writes the records' outbox within ctx and stops them (see
// Records.Shutdown), if they were created.
func (s *Shared) Shutdown(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		s.rec.Shutdown(ctx)
	}
}

// Close stops the records if they were created.
func (s *Shared) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		s.rec.Close()
	}
}
