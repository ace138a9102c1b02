package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// probeDrainLimit bounds how much of a probe's response body is read so the
// connection can be reused; a longer body closes the connection instead.
const probeDrainLimit = 4 << 10

// TargetHealth is one target's state, for the admin API.
type TargetHealth struct {
	URL     string `json:"url"`
	Healthy bool   `json:"healthy"` // active checks pass (always true without them)
	Ejected bool   `json:"ejected"` // passively ejected right now
	// ConsecutiveFails counts failed active probes in a row.
	ConsecutiveFails int `json:"consecutive_fails"`
	// RecentFails counts passive failures within FailWindow.
	RecentFails int       `json:"recent_fails"`
	LastError   string    `json:"last_error,omitempty"` // a few words, no addresses or secrets
	LastCheck   time.Time `json:"last_check,omitzero"`  // time of the last active probe
}

// Health returns every target's state in configuration order.
func (u *Upstream) Health() []TargetHealth {
	now := u.now()
	out := make([]TargetHealth, 0, len(u.targets))
	for _, t := range u.targets {
		t.mu.Lock()
		out = append(out, TargetHealth{
			URL:              t.raw,
			Healthy:          !t.down.Load(),
			Ejected:          now.UnixNano() < t.ejectedUntil.Load(),
			ConsecutiveFails: t.failRun,
			RecentFails:      t.recentFails(now, u.cfg.FailWindow),
			LastError:        t.lastErr,
			LastCheck:        t.lastCheck,
		})
		t.mu.Unlock()
	}
	return out
}

// Start runs active health checks, one goroutine per target, until ctx ends or
// Close is called. Without a HealthPath, or when already started or closed, it
// does nothing.
func (u *Upstream) Start(ctx context.Context) {
	if u.cfg.HealthPath == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.started || u.closed {
		return
	}
	u.started = true
	ctx, u.cancel = context.WithCancel(ctx)
	for _, t := range u.targets {
		u.wg.Go(func() { u.probeLoop(ctx, t) })
	}
}

// Close stops health checks, waits for them to end and closes idle
// connections. In-flight requests are not interrupted.
func (u *Upstream) Close() {
	u.mu.Lock()
	u.closed = true
	cancel := u.cancel
	u.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	u.wg.Wait()
	u.transport.CloseIdleConnections()
	for _, t := range u.targets {
		t.h1.closeIdle(true)
	}
}

// probeLoop probes t at once and then every HealthInterval.
func (u *Upstream) probeLoop(ctx context.Context, t *target) {
	tick := time.NewTicker(u.cfg.HealthInterval)
	defer tick.Stop()
	for {
		err := u.probe(ctx, t)
		if ctx.Err() != nil {
			return
		}
		u.recordProbe(t, err)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// probe sends one health request; 2xx and 3xx are healthy.
func (u *Upstream) probe(ctx context.Context, t *target) error {
	ctx, cancel := context.WithTimeout(ctx, u.cfg.HealthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.healthURL, nil)
	if err != nil {
		return fmt.Errorf("health request: %w", err)
	}
	req.Header.Set("User-Agent", "bulwark-health-check")
	resp, err := u.transport.RoundTrip(req)
	if err != nil {
		return err
	}
	_, _ = io.CopyN(io.Discard, resp.Body, probeDrainLimit)
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return statusError(resp.StatusCode)
	}
	return nil
}

// recordProbe updates t's active state with one probe result and logs
// transitions.
func (u *Upstream) recordProbe(t *target, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastCheck = u.now()
	if err != nil {
		t.failRun, t.okRun, t.lastErr = t.failRun+1, 0, shortError(err)
		if t.failRun >= u.cfg.UnhealthyThreshold && !t.down.Load() {
			t.down.Store(true)
			u.logger.Warn("target unhealthy", "target", t.raw, "error", err, "fails", t.failRun)
		}
		return
	}
	t.failRun, t.okRun = 0, t.okRun+1
	if t.okRun >= u.cfg.HealthyThreshold && t.down.Load() {
		t.down.Store(false)
		u.logger.Info("target healthy again", "target", t.raw)
	}
}

// Status is one API's upstream targets with their health, for the admin API.
type Status struct {
	API     string         `json:"api"`
	Targets []TargetHealth `json:"targets"`
}

// Statuses reports the health of every target of ups, in order.
func Statuses(ups []*Upstream) []Status {
	out := make([]Status, 0, len(ups))
	for _, up := range ups {
		out = append(out, Status{API: up.Name(), Targets: up.Health()})
	}
	return out
}
