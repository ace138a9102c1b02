package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// wait serves until ctx ends or a listener fails, reloading on SIGHUP and on
// changes of the config file, then shuts down.
// loaded is the digest of the watched files taken when the serving config
// was loaded (nil: take it now).
func (p *process) wait(ctx context.Context, hup <-chan os.Signal, loaded []byte) error {
	interval := p.opt.WatchInterval
	if interval == 0 {
		interval = 2 * time.Second
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	last := loaded
	if last == nil {
		last = filesDigest(p.watched())
	}
	pruneTick := time.NewTicker(time.Hour)
	defer pruneTick.Stop()
	p.prune(ctx)

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-p.errc:
			runErr = err
			break loop
		case <-hup:
			p.log.Info("reload requested", "signal", "SIGHUP")
			p.reload()
			last = filesDigest(p.watched())
		case <-tick:
			if d := filesDigest(p.watched()); d != nil && !bytes.Equal(d, last) {
				p.log.Info("config file changed", "file", p.path)
				p.reload()
				// The new plan may read other files: watch what it read.
				last = filesDigest(p.watched())
			}
		case <-pruneTick.C:
			p.prune(ctx)
		}
	}
	p.shutdown()
	return runErr
}

// watched are the files whose change reloads the config: the config file and
// every file the serving plan was built from (OpenAPI documents, ${file:}
// references such as key files).
func (p *process) watched() []string {
	if p.gw != nil {
		return watchedOf(p.gw.Plan(), p.path)
	}
	return []string{p.path}
}

// watchedOf is watched for a plan loaded from path.
func watchedOf(plan *config.Plan, path string) []string {
	if files := plan.Files; len(files) > 0 {
		return files
	}
	return []string{path}
}

// filesDigest hashes the files' names and contents; nil when one cannot be
// read (an editor replacing it): the next tick tries again.
func filesDigest(paths []string) []byte {
	h := sha256.New()
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		h.Write([]byte(path))
		h.Write(sum[:])
	}
	return h.Sum(nil)
}

// Reload loads the config again. A config with errors is refused and logged with
// every diagnostic; the running one keeps serving.
func (p *process) reload() {
	p.reloadMu.Lock()
	defer p.reloadMu.Unlock()
	plan, diags := config.Load(p.path)
	diags = Verified(plan, diags)
	logDiagnostics(p.log, diags)
	if diags.HasErrors() {
		p.metrics.ConfigReload(false)
		p.log.Error("config reload refused; the running config keeps serving", "errors", len(diags.Errors()))
		return
	}
	old := p.gw.Plan()
	warnRestartOnly(p, old, plan)
	if err := p.gw.Swap(plan); err != nil {
		p.metrics.ConfigReload(false)
		p.log.Error("config reload refused; the running config keeps serving", "error", err)
		return
	}
	p.metrics.ConfigReload(true)
	p.opt.applyLevel(plan)
	p.log.Info("config reloaded", "apis", len(plan.APIs))
}

// warnRestartOnly logs settings a reload cannot change in a running process.
func warnRestartOnly(p *process, old, cur *config.Plan) {
	if old.Server.Listen != cur.Server.Listen || old.Server.TLSCert != cur.Server.TLSCert || old.Server.Engine != cur.Server.Engine ||
		old.Admin.Listen != cur.Admin.Listen || old.Metrics.Listen != cur.Metrics.Listen ||
		old.Store != cur.Store || old.Audit != cur.Audit || old.Cluster.Redis != cur.Cluster.Redis {
		p.log.Warn("listener, store and audit settings take effect only after a restart")
	}
}

func (p *process) prune(ctx context.Context) {
	if p.store == nil {
		return
	}
	// Audit events are held to their bounds by their own loop (audit.go).
	// The change logs only carry invalidations to the other nodes' caches:
	// a day is far more than any poller needs (see store.ResyncAfter).
	cut := time.Now().Add(-store.ChangeLogRetention)
	for _, c := range []struct {
		name string
		fn   func(context.Context, time.Time) (int64, error)
	}{{"key_events", p.store.PruneKeyEvents}, {"ownership_events", p.store.PruneOwnershipEvents}} {
		n, err := c.fn(ctx, cut)
		switch {
		case err != nil:
			p.log.Error("prune change log", "table", c.name, "error", err)
		case n > 0:
			p.log.Info("pruned change log", "table", c.name, "count", n)
		}
	}
}

// shutdown stops accepting, lets in-flight requests finish within the grace
// period, then drains the audit queue and closes the store.
func (p *process) shutdown() {
	grace := p.grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	p.log.Info("shutting down", "grace", grace.String())
	for _, s := range p.servers {
		if err := s.Shutdown(ctx); err != nil {
			p.log.Warn("in-flight requests cut at the end of the grace period", "error", err)
			_ = s.Close()
		}
	}
	if p.gw != nil {
		p.gw.FlushOwners(ctx) // acknowledged owner records queued during a store outage
		p.gw.Close()
	}
	actx, acancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer acancel()
	p.stopAudit(actx)
	if p.limiters != nil {
		p.limiters.close()
	}
	p.closeStore()
	p.log.Info("stopped")
}
