package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"
)

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// watched are the metrics a phase reports (delta over the phase, per node).
var watched = []string{
	"bulwark_ratelimit_backend_failures_total",
	"bulwark_ratelimit_degraded",
	"bulwark_audit_sink_failures_total",
	"bulwark_audit_events_dropped_total",
	"bulwark_change_notifications_lost_total",
	"bulwark_change_poll_catches_total",
	"bulwark_config_reloads_total",
	"bulwark_panics_total",
}

// breakdown renders counts by status: "200×1,234; 503 rate_limiter_unavailable×56".
func breakdown(os []outcome) string {
	m := map[string]int{}
	for _, o := range os {
		m[statusKey(o)]++
	}
	if len(m) == 0 {
		return "–"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, "; ")
}

func failed(o outcome) bool { return o.status == 0 || o.status >= 300 }

func chaosReport(ctx context.Context, c *cluster, rec *recorder, results []*phaseResult, rate, capacity float64, capP99 time.Duration) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Chaos run, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %d CPUs, load average at the end %s. Three Bulwark nodes on one private PostgreSQL and one private Redis, loopback.\n\n",
		runtime.NumCPU(), loadavg())
	fmt.Fprintf(&b, "Capacity (closed loop, the same mix, 2xx/s over the three nodes): %.0f req/s (p99 %s). Steady load: %.0f req/s (%.0f %%), open loop, plus 4 key creations/s (admin API) and 20 orders/s (POST /orders, ownership recorded). Generator slots skipped because every worker was busy: %d.\n\n",
		capacity, capP99.Round(time.Millisecond), rate, 100*rate/capacity, rec.dropped.Load())
	b.WriteString("Routes: `/local`, `/closed`, `/open` carry a rate limit whose `on_redis_failure` is local, closed, open; `/jwt` needs a JWT (JWKS served by the harness); `/key` an API key; `POST /orders` a JWT and records the created order's owner. Audit: `store: true`, `tiers: {store_all: true}`")
	if c.opts.waitForStore {
		b.WriteString(", `wait_for_store: true`")
	}
	b.WriteString(".\n\n")

	for _, r := range results {
		fmt.Fprintf(&b, "## %s\n\n", r.name)
		fmt.Fprintf(&b, "Fault at +%s, repaired at +%s, phase ends at +%s; %d requests sent (%.0f/s). Requests are placed by the time they were sent.\n\n",
			r.faultAt.Sub(r.start).Round(100*time.Millisecond), r.restoreAt.Sub(r.start).Round(100*time.Millisecond), r.end.Sub(r.start).Round(100*time.Millisecond),
			len(r.outcomes), float64(len(r.outcomes))/r.end.Sub(r.start).Seconds())
		b.WriteString("| kind | before the fault | during the fault | after the repair | recovered (last failure after the repair) |\n|---|---|---|---|---|\n")
		byKind := map[string][]outcome{}
		for _, o := range r.outcomes {
			byKind[o.kind] = append(byKind[o.kind], o)
		}
		worst := time.Duration(-1)
		for _, k := range sortedKeys(byKind) {
			var pre, during, post []outcome
			var last time.Time
			for _, o := range byKind[k] {
				switch {
				case o.at.Before(r.faultAt):
					pre = append(pre, o)
				case o.at.Before(r.restoreAt):
					during = append(during, o)
				default:
					post = append(post, o)
					if failed(o) && o.at.After(last) {
						last = o.at
					}
				}
			}
			rcv := "no failure"
			if !last.IsZero() {
				d := last.Sub(r.restoreAt)
				rcv = fmt.Sprintf("%.2f s", d.Seconds())
				worst = max(worst, d)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", k, breakdown(pre), breakdown(during), breakdown(post), rcv)
		}
		if worst >= 0 {
			fmt.Fprintf(&b, "\nTime to recover (repair → last failed request): %.2f s.\n", worst.Seconds())
		} else if r.name != "baseline" {
			b.WriteString("\nNo request failed after the repair.\n")
		}
		b.WriteString("\nWARN/ERROR log lines during the phase, per node:\n\n")
		for i, logs := range r.logs {
			if len(logs) == 0 {
				fmt.Fprintf(&b, "- %s: none\n", c.nodes[i].name)
				continue
			}
			var parts []string
			for _, k := range sortedKeys(logs) {
				parts = append(parts, fmt.Sprintf("`%s` ×%d", k, logs[k]))
			}
			fmt.Fprintf(&b, "- %s: %s\n", c.nodes[i].name, strings.Join(parts, ", "))
		}
		b.WriteString("\nMetrics, change over the phase (node1 / node2 / node3):\n\n")
		for _, m := range watched {
			var vals []string
			nonzero := false
			for i := range r.metricsAfter {
				after, before := sumMetric(r.metricsAfter[i], m), sumMetric(r.metricsBefore[i], m)
				if after != before {
					nonzero = true
				}
				if after < before && strings.HasSuffix(m, "_total") {
					vals = append(vals, fmt.Sprintf("%g (restarted)", after))
					continue
				}
				vals = append(vals, fmt.Sprintf("%g", after-before))
			}
			if nonzero {
				fmt.Fprintf(&b, "- `%s`: %s\n", m, strings.Join(vals, " / "))
			}
		}
		for _, n := range r.notes {
			fmt.Fprintf(&b, "\n%s\n", n)
		}
		b.WriteString("\n")
	}

	// Acknowledged writes against the store.
	b.WriteString("## Acknowledged writes\n\n")
	b.WriteString("| what | acknowledged | in the store | lost | lost by phase |\n|---|---|---|---|---|\n")
	keys, err := c.storedSet(ctx, "SELECT id FROM api_keys")
	if err != nil {
		return b.String(), err
	}
	orders, err := c.storedSet(ctx, "SELECT object_id FROM ownership_records WHERE object_type = 'order'")
	if err != nil {
		return b.String(), err
	}
	writes := map[string]map[string]int{"keycreate": {}, "order": {}}
	ackd := map[string]int{}
	lost := map[string]int{}
	for _, r := range results {
		for _, o := range r.outcomes {
			if o.status != http.StatusCreated || (o.kind != "keycreate" && o.kind != "order") {
				continue
			}
			ackd[o.kind]++
			in := keys
			if o.kind == "order" {
				in = orders
			}
			if !in[o.code] {
				lost[o.kind]++
				writes[o.kind][r.name]++
			}
		}
	}
	row := func(what, kind string) {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", what, ackd[kind], ackd[kind]-lost[kind], lost[kind], byPhase(writes[kind]))
	}
	row("API keys created (201 from `POST /admin/api/keys`)", "keycreate")
	row("ownership of created orders (201 from `POST /orders`)", "order")
	stored, err := c.storedSet(ctx, "SELECT request_id FROM audit_events")
	if err != nil {
		return b.String(), err
	}
	auditLost := map[string]int{}
	nLost := 0
	rec.mu.Lock()
	for id, ph := range rec.acked {
		if !stored[id] {
			auditLost[ph]++
			nLost++
		}
	}
	nAcked := len(rec.acked)
	rec.mu.Unlock()
	fmt.Fprintf(&b, "| audit events of answered requests (`X-Request-Id`) | %d | %d | %d | %s |\n\n", nAcked, nAcked-nLost, nLost, byPhase(auditLost))
	return b.String(), nil
}

func byPhase(m map[string]int) string {
	if len(m) == 0 {
		return "–"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, "; ")
}
