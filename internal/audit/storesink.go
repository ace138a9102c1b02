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

// TieredAppender stores a TieredBatch (full events, rollups, refusal summaries) in
// one transaction: all of it or none.
type TieredAppender interface {
	AppendTiered(ctx context.Context, b *TieredBatch) error
}

// StoreSink adapts the SQLite or PostgreSQL store to a Sink. With a Tierer it
// stores what the tiers keep (TieredAppender); without one, every event (Appender).
type StoreSink struct {
	a     Appender
	tiers *Tierer
	name  string
}

var _ Sink = (*StoreSink)(nil)

// NewStoreSink returns a sink appending every event to a, named "store:" followed by
// name in logs.
func NewStoreSink(name string, a Appender) *StoreSink {
	return &StoreSink{a: a, name: "store:" + name}
}

// NewTieredStoreSink returns a sink storing what cfg's tiers keep of each batch in a,
// with rollups of every request and summaries of the refusals over budget.
func NewTieredStoreSink(name string, a TieredAppender, cfg TierConfig) *StoreSink {
	return &StoreSink{a: tieredOnly{a}, tiers: NewTierer(cfg), name: "store:" + name}
}

// tieredOnly lets a TieredAppender sit in StoreSink.a; the tiered path never calls it.
type tieredOnly struct{ TieredAppender }

func (tieredOnly) AppendAudit(context.Context, []Event) error {
	return fmt.Errorf("audit: tiered store called without tiers")
}

// Name identifies the sink in logs.
func (s *StoreSink) Name() string { return s.name }

// Write appends batch to the store. The recorder retries a failed Write with the same
// batch; budgets and sampling only advance once a write succeeds.
func (s *StoreSink) Write(ctx context.Context, batch []Event) error {
	var err error
	if s.tiers == nil {
		err = s.a.AppendAudit(ctx, batch)
	} else {
		tb := s.tiers.Split(batch)
		if err = s.a.(tieredOnly).AppendTiered(ctx, tb); err == nil {
			s.tiers.Commit()
		}
	}
	if err != nil {
		return fmt.Errorf("audit: %s: %w", s.name, err)
	}
	return nil
}
