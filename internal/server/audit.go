package server

import (
	"context"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// storeSink returns the tiered store sink of a, with the store's free-space floor set.
func (p *process) storeSink(a config.Audit) audit.Sink {
	p.store.SetFreeSpaceFloor(a.MinFreeSpace)
	budget := a.Tiers.RefusalBudget
	if budget == 0 {
		budget = -1 // none in full: every refusal is summarised
	}
	return audit.NewTieredStoreSink(p.store.Dialect(), p.store, audit.TierConfig{StoreAll: a.Tiers.StoreAll,
		RefusalBudget: budget, AllowedSample: a.Tiers.AllowedSample})
}

// auditFailures exports the recorder's failed sink writes.
func (p *process) auditFailures() {
	p.metrics.SetAuditFailureSource(func() uint64 { return p.rec.Stats().SinkErrors })
}

// rotation maps the config's rotation to the sink's.
func rotation(r config.AuditRotation) audit.Rotation {
	return audit.Rotation{MaxSize: r.MaxSize, Every: r.Every, MaxAge: r.MaxAge, MaxFiles: r.MaxFiles, Compress: r.Compress}
}

// startAuditBounds holds the store to a's retention and size every
// PruneInterval, in its own goroutine so that a long prune never delays a
// reload or the shutdown.
func (p *process) startAuditBounds(a config.Audit) {
	if p.store == nil || !a.Store {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.boundsStop, p.boundsDone = cancel, make(chan struct{})
	b := store.AuditBounds{MaxAge: a.Retention, RollupMaxAge: a.RollupRetention, MaxBytes: a.MaxSize}
	go func() {
		defer close(p.boundsDone)
		t := time.NewTicker(a.PruneInterval)
		defer t.Stop()
		for {
			res, err := p.store.EnforceAuditBounds(ctx, b)
			switch {
			case err != nil && ctx.Err() == nil:
				p.log.Error("prune audit store", "error", err)
			case res.ByAge+res.BySize+res.Rollups > 0:
				p.log.Info("pruned audit store", "by_age", res.ByAge, "by_size", res.BySize, "rollups", res.Rollups,
					"bytes_before", res.SizeBefore, "bytes_after", res.SizeAfter)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (p *process) stopAuditBounds() {
	if p.boundsStop != nil {
		p.boundsStop()
		<-p.boundsDone
		p.boundsStop = nil
	}
}

// exportSinks returns the optional OTLP and syslog sinks of a; closing them is
// left to stopAudit.
func (p *process) exportSinks(a config.Audit) ([]audit.Sink, error) {
	var sinks []audit.Sink
	if e := a.Export.OTLPEndpoint; e != "" {
		s, err := audit.NewOTLPSink(context.Background(), e)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, s)
		p.exportClose = append(p.exportClose, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.Close(ctx)
		})
	}
	if e := a.Export.Syslog; e != "" {
		s, err := audit.NewSyslogSink(e)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, s)
		p.exportClose = append(p.exportClose, func() { _ = s.Close() })
	}
	return sinks, nil
}
