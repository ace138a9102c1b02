package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Range is a time range the dashboard shows: its length, the counter span its
// charts read and the step they plot, and the span its top lists read.
type Range struct {
	Name  string
	Label string
	Dur   time.Duration
	Span  time.Duration // counters the series read
	Step  time.Duration // one chart point
	Top   time.Duration // counters the top lists read
}

// Ranges are the range picker's choices, 15 minutes to 30 days.
var Ranges = []Range{
	{"15m", "15 minutes", 15 * time.Minute, time.Minute, time.Minute, time.Minute},
	{"1h", "1 hour", time.Hour, time.Minute, time.Minute, time.Minute},
	{"6h", "6 hours", 6 * time.Hour, time.Minute, 5 * time.Minute, time.Hour},
	{"24h", "24 hours", 24 * time.Hour, time.Hour, time.Hour, time.Hour},
	{"7d", "7 days", 7 * 24 * time.Hour, time.Hour, 3 * time.Hour, 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour, time.Hour, 12 * time.Hour, 24 * time.Hour},
}

// Alert thresholds over the last AlertWindow (docs/console.md).
const (
	AlertWindow         = 15 * time.Minute
	BruteForceThreshold = 20 // authentication refusals from one address
	CampaignAddresses   = 10 // addresses with authentication refusals: a campaign
	InjectionThreshold  = 10 // injection findings, blocked or monitored
	topN                = 10
)

// Dashboard is everything the dashboard shows for one range.
type Dashboard struct {
	Range     Range
	Ranges    []Range
	Since     time.Time
	Until     time.Time
	TopSince  time.Time
	Requests  int64
	Refused   int64
	P50, P99  string
	ByThreat  []threatTotal
	Charts    []template.HTML
	Consumers []topRow
	Routes    []topRow
	Clients   []topRow
	Alerts    []Alert
	Updated   time.Time
}

type threatTotal struct {
	Threat audit.Threat
	Count  int64
}

type topRow struct {
	Key     string
	Total   int64
	Refused int64
	Bar     template.HTML
}

// Alert is an active alert: an enumeration detector's events, or a burst of
// authentication or injection refusals in the last AlertWindow.
type Alert struct {
	Kind    string // enumeration, brute_force, credential_campaign, injection_burst
	Title   string
	Detail  string
	Count   int64
	Sources int // distinct client addresses
	Last    time.Time
}

func rangeByName(name string) Range {
	for _, r := range Ranges {
		if r.Name == name {
			return r
		}
	}
	return Ranges[1]
}

// BuildDashboard runs the dashboard's queries for range rg ending at now. The
// queries run side by side (the store has a pool of readers); the first
// error is returned.
func BuildDashboard(ctx context.Context, st *store.Store, rg Range, now time.Time) (*Dashboard, error) {
	until := now.Truncate(rg.Step).Add(rg.Step)
	since := until.Add(-rg.Dur)
	d := &Dashboard{Range: rg, Ranges: Ranges, Since: since, Until: until, TopSince: since.Truncate(rg.Top), Updated: now}
	var series, lat []store.CounterRow
	var wg sync.WaitGroup
	errs := make([]error, 6)
	run := func(i int, f func() error) { wg.Go(func() { errs[i] = f() }) }
	run(0, func() (err error) {
		series, err = st.CounterSeries(ctx, store.CounterFilter{Span: rg.Span, Dim: audit.DimTotal, Since: since.Truncate(rg.Span)})
		return err
	})
	run(1, func() (err error) {
		lat, err = st.CounterSeries(ctx, store.CounterFilter{Span: rg.Span, Dim: audit.DimLatency, Since: since.Truncate(rg.Span)})
		return err
	})
	top := func(dim string, byRefused bool, dst *[]topRow) func() error {
		return func() error {
			rows, err := st.CounterTop(ctx, store.CounterFilter{Span: rg.Top, Dim: dim, Since: d.TopSince}, byRefused, topN)
			var most int64 = 1
			for _, r := range rows {
				most = max(most, r.Total)
			}
			for _, r := range rows {
				*dst = append(*dst, topRow{Key: r.Key, Total: r.Total, Refused: r.Refused, Bar: bar(r.Total, r.Refused, most)})
			}
			return err
		}
	}
	run(2, top(audit.DimConsumer, false, &d.Consumers))
	run(3, top(audit.DimRoute, true, &d.Routes))
	run(4, top(audit.DimClient, false, &d.Clients))
	run(5, func() (err error) {
		d.Alerts, err = alerts(ctx, st, now)
		return err
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.Charts = d.charts(series, lat, int(rg.Dur/rg.Step))
	return d, nil
}

// charts folds the counters into the chart points and renders the charts.
func (d *Dashboard) charts(series, lat []store.CounterRow, steps int) []template.HTML {
	step := d.Range.Step
	idx := func(t time.Time) int {
		if t.Before(d.Since) || !t.Before(d.Until) {
			return -1
		}
		return int(t.Sub(d.Since) / step)
	}
	allowed := make([]float64, steps)
	refused := make([]float64, steps)
	byThreat := make([][]float64, len(audit.Threats))
	for i := range byThreat {
		byThreat[i] = make([]float64, steps)
	}
	totals := map[audit.Threat]int64{}
	for _, r := range series {
		i := idx(r.Bucket)
		if i < 0 || r.Decision == audit.DecisionAlert {
			continue
		}
		d.Requests += r.Count
		if r.Decision == audit.DecisionAllow {
			allowed[i] += float64(r.Count)
			continue
		}
		d.Refused += r.Count
		refused[i] += float64(r.Count)
		th, _ := audit.ThreatOf(r.Reason)
		if r.Decision == audit.DecisionError && r.Reason == "" {
			th = audit.ThreatFailure
		}
		byThreat[slices.Index(audit.Threats[:], th)][i] += float64(r.Count)
		totals[th] += r.Count
	}
	for _, th := range audit.Threats {
		d.ByThreat = append(d.ByThreat, threatTotal{th, totals[th]})
	}
	// Latency: a histogram per step, and over the whole range.
	hist := make([][audit.LatencyBuckets]int64, steps)
	var all [audit.LatencyBuckets]int64
	for _, r := range lat {
		i := idx(r.Bucket)
		b, err := strconv.Atoi(r.Key)
		if i < 0 || err != nil || b < 0 || b >= audit.LatencyBuckets {
			continue
		}
		hist[i][b] += r.Count
		all[b] += r.Count
	}
	p50, p99 := make([]float64, steps), make([]float64, steps)
	for i := range hist {
		p50[i], p99[i] = quantile(&hist[i], 0.5), quantile(&hist[i], 0.99)
	}
	d.P50, d.P99 = latencyLabel(&all, 0.5), latencyLabel(&all, 0.99)
	labels := make([]time.Time, steps)
	for i := range labels {
		labels[i] = d.Since.Add(time.Duration(i) * step)
	}
	threatSeries := make([]chartSeries, len(audit.Threats))
	for i, th := range audit.Threats {
		threatSeries[i] = chartSeries{Name: string(th), Class: "c-" + string(th), Values: byThreat[i]}
	}
	return []template.HTML{
		stackedBars("requests", "Requests over time", labels, []chartSeries{
			{Name: "allowed", Class: "c-allowed", Values: allowed},
			{Name: "refused", Class: "c-refused", Values: refused}}),
		stackedBars("threats", "Refusals by threat", labels, threatSeries),
		lines("latency", "Latency (ms, upper bound of the histogram bucket)", labels, []chartSeries{
			{Name: "p50", Class: "c-p50", Values: p50},
			{Name: "p99", Class: "c-p99", Values: p99}}),
	}
}

// quantile returns the upper bound (ms) of the histogram bucket holding the
// q-quantile; the slowest bucket reports twice the largest bound. 0 when empty.
func quantile(h *[audit.LatencyBuckets]int64, q float64) float64 {
	var n int64
	for _, v := range h {
		n += v
	}
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n-1)) + 1
	var seen int64
	for i, v := range h {
		seen += v
		if seen >= rank {
			if i < len(audit.LatencyBoundsMS) {
				return audit.LatencyBoundsMS[i]
			}
			break
		}
	}
	return 2 * audit.LatencyBoundsMS[len(audit.LatencyBoundsMS)-1]
}

func latencyLabel(h *[audit.LatencyBuckets]int64, q float64) string {
	v := quantile(h, q)
	switch {
	case v == 0:
		return "—"
	case v > audit.LatencyBoundsMS[len(audit.LatencyBoundsMS)-1]:
		return fmt.Sprintf("> %g ms", audit.LatencyBoundsMS[len(audit.LatencyBoundsMS)-1])
	}
	return fmt.Sprintf("≤ %g ms", v)
}

// alerts returns the active alerts: alert events and refusal bursts of the
// last AlertWindow.
func alerts(ctx context.Context, st *store.Store, now time.Time) ([]Alert, error) {
	since := now.Add(-AlertWindow)
	groups, err := st.RecentAlerts(ctx, since, 20)
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, g := range groups {
		who := g.Principal
		if who == "" {
			who = "anonymous"
		}
		out = append(out, Alert{Kind: "enumeration", Title: "Enumeration: " + g.Reason,
			Detail: fmt.Sprintf("%s on %s/%s from %s", who, g.API, g.Route, g.ClientIP), Count: g.Count, Sources: 1, Last: g.Last})
	}
	rows, err := st.CounterTotals(ctx, store.CounterFilter{Span: time.Minute, Dim: audit.DimClient, Since: since.Truncate(time.Minute)})
	if err != nil {
		return nil, err
	}
	auth, inj := map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		th, _ := audit.ThreatOf(r.Reason)
		switch {
		case th == audit.ThreatAuthentication && r.Decision == audit.DecisionDeny:
			auth[r.Key] += r.Count
		case th == audit.ThreatInjection:
			inj[r.Key] += r.Count
		}
	}
	var authTotal int64
	for _, ip := range sortedKeys(auth) {
		n := auth[ip]
		authTotal += n
		if n >= BruteForceThreshold {
			out = append(out, Alert{Kind: "brute_force", Title: "Brute force from " + ip,
				Detail: fmt.Sprintf("%d authentication refusals in %s", n, AlertWindow), Count: n, Sources: 1})
		}
	}
	if len(auth) >= CampaignAddresses {
		out = append(out, Alert{Kind: "credential_campaign", Title: "Authentication failures from many addresses",
			Detail: fmt.Sprintf("%d refusals from %d addresses in %s: a campaign, not one user", authTotal, len(auth), AlertWindow),
			Count:  authTotal, Sources: len(auth)})
	}
	var injTotal int64
	for _, n := range inj {
		injTotal += n
	}
	if injTotal >= InjectionThreshold {
		ips := sortedKeys(inj)
		slices.SortStableFunc(ips, func(a, b string) int { return int(inj[b] - inj[a]) })
		out = append(out, Alert{Kind: "injection_burst", Title: "Injection burst",
			Detail: fmt.Sprintf("%d injection findings from %d addresses in %s; most from %s", injTotal, len(inj), AlertWindow, ips[0]),
			Count:  injTotal, Sources: len(inj)})
	}
	return out, nil
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// dashboard serves GET /console/?range=…; with ?part=live it serves only the
// live region, which console.js polls.
func (c *Console) dashboard(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "The dashboard's counters") {
		return
	}
	d, err := BuildDashboard(r.Context(), c.d.Store, rangeByName(r.URL.Query().Get("range")), c.d.Now())
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	p := page{Title: "Dashboard", Data: d}
	if r.URL.Query().Get("part") == "live" {
		var buf bytes.Buffer
		if err := c.pages["dashboard"].ExecuteTemplate(&buf, "live", p); err != nil {
			c.d.Logger.Error("console: render live", "error", err)
			http.Error(w, "render failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = buf.WriteTo(w)
		return
	}
	c.render(w, r.Request, r.s, http.StatusOK, "dashboard", p)
}

// threatClass is a threat's CSS class.
func threatClass(t audit.Threat) string { return "c-" + string(t) }
