package audit

import (
	"context"
	"fmt"
)

// Appender is what the store offers the audit pipeline: append a batch of events in
// one operation. The slice is only valid during the call.
type Appender interface {
	AppendAudit(ctx context.Context, events []Event) error
}

// StoreSink adapts an Appender (the SQLite or PostgreSQL store) to a Sink.
type StoreSink struct {
	a    Appender
	name string
}

var _ Sink = (*StoreSink)(nil)

// NewStoreSink returns a sink appending to a, named "store:" followed by name in logs.
func NewStoreSink(name string, a Appender) *StoreSink {
	return &StoreSink{a: a, name: "store:" + name}
}

// Name identifies the sink in logs.
func (s *StoreSink) Name() string { return s.name }

// Write appends batch to the store.
func (s *StoreSink) Write(ctx context.Context, batch []Event) error {
	if err := s.a.AppendAudit(ctx, batch); err != nil {
		return fmt.Errorf("audit: %s: %w", s.name, err)
	}
	return nil
}
