package gateway

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/enumeration"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/logsafe"
	"github.com/bulwark-gw/bulwark/internal/logthrottle"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/recoverer"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/statuswriter"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/tracing"
)

// Recorder receives one audit event per request. *audit.Recorder implements it.
type Recorder interface{ Record(e audit.Event) }

// Deps are the process-wide parts a Gateway uses.
type Deps struct {
	Metrics *metrics.Metrics
	Audit   Recorder
	Logger  *slog.Logger
	Store   *store.Store // nil when no store is configured (API keys then cannot be used)
	// Limiters are the counter backends; zero value: one in-memory limiter.
	Limiters Limiters
	// Version names the build on exported traces.
	Version string

	records func() (authz.Records, error) // set by New: the shared ownership records
}

// Gateway is the proxy listener's handler. It is safe for concurrent use; Swap
// replaces its configuration atomically.
type Gateway struct {
	deps    Deps
	logger  *slog.Logger
	metrics *metrics.Metrics
	audit   Recorder
	ids     *hygiene.IDs
	now     func() time.Time

	owners   *ownership.Shared
	alerts   enumeration.Reporter // tripped enumeration rules
	failures logthrottle.Keys     // "request failed" lines, one per code and interval

	cur     atomic.Pointer[state]
	tracer  *tracing.Holder // the serving trace exporter, kept across reloads
	swapMu  sync.Mutex      // serialises Swap
	unknown *metrics.RouteMetrics
}

// New builds a Gateway serving plan. The upstreams' health checks start at once.
func New(plan *config.Plan, d Deps) (*Gateway, error) {
	ids, err := hygiene.NewIDs()
	if err != nil {
		return nil, err
	}
	if d.Limiters, err = d.Limiters.withDefaults(); err != nil {
		return nil, err
	}
	m := d.Metrics
	var recStore ownership.Store // nil unless there is a store (a nil *store.Store is not)
	if d.Store != nil {
		recStore = d.Store
	}
	own := ownership.NewShared(recStore, d.Logger) // every route and reload shares them
	d.records = authz.RecordsFrom(own.Get)
	g := &Gateway{owners: own, deps: d, logger: d.Logger, metrics: m, audit: d.Audit, ids: ids, now: time.Now,
		unknown: m.Route("", ""), tracer: tracing.NewHolder(d.Version), alerts: enumeration.Reporter{Metric: m.Alert, Logger: d.Logger, Audit: d.Audit}}
	tr, err := g.tracer.Prepare(plan.Tracing)
	if err != nil {
		return nil, err
	}
	st, err := build(plan, nil, d)
	if err != nil {
		g.tracer.Drop(tr)
		return nil, err
	}
	g.tracer.Use(tr)
	st.start()
	g.cur.Store(st)
	m.SetUpstreamSource(g.upstreamHealth)
	return g, nil
}

// Swap builds plan and, only if that succeeds, makes it the serving state. The old
// state's health checks stop; its in-flight requests finish undisturbed (their
// transports stay usable until they return).
func (g *Gateway) Swap(plan *config.Plan) error {
	g.swapMu.Lock()
	defer g.swapMu.Unlock()
	tr, err := g.tracer.Prepare(plan.Tracing)
	if err != nil {
		return err
	}
	st, err := build(plan, g.cur.Load(), g.deps)
	if err != nil {
		g.tracer.Drop(tr)
		return err
	}
	g.tracer.Use(tr)
	st.start()
	old := g.cur.Swap(st)
	if old != nil {
		if old.cancel != nil {
			old.cancel()
		}
		old.id.Retire(st.id)
		old.quotas.Retire(st.quotas)
	}
	return nil
}

// Plan returns the serving plan.
func (g *Gateway) Plan() *config.Plan { return g.cur.Load().plan }

// Close stops health checks and idle connections of the serving state.
func (g *Gateway) Close() {
	if st := g.cur.Load(); st != nil {
		st.close()
		st.id.Retire(nil)
		st.quotas.Retire(nil)
	}
	g.owners.Close()
	g.tracer.Close()
}

// Upstreams reports the health of every upstream target of the serving state.
func (g *Gateway) Upstreams() []proxy.Status { return proxy.Statuses(g.cur.Load().upstreams) }

func (g *Gateway) upstreamHealth() []metrics.UpstreamHealth {
	var out []metrics.UpstreamHealth
	for _, u := range g.Upstreams() {
		for _, t := range u.Targets {
			out = append(out, metrics.UpstreamHealth{API: u.API, Target: t.URL, Healthy: t.Healthy && !t.Ejected})
		}
	}
	return out
}

// ServeHTTP runs the pipeline for one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	st := g.cur.Load()

	client, peerTrusted := hygiene.ClientIP(r.RemoteAddr, r.Header, st.trusted)
	reqID := hygiene.RequestID(g.ids, r.Header, peerTrusted)
	sw := statuswriter.Get(w)
	sw.Header().Set("X-Request-Id", reqID)
	ip := client.String()
	ev := audit.Event{Time: start, RequestID: reqID, Method: r.Method, ClientIP: ip}
	pr := &perRequest{x: exchange.Exchange{Req: r, W: sw, RequestID: reqID, Client: client, ClientGroup: limits.ClientGroup(client, st.v6prefix, ip)}}
	x := &pr.x
	var tq *tracing.Request
	if t := g.tracer.Tracer(); t != nil {
		tq = t.Start(r)
		r = r.WithContext(tq.Context())
		x.Req, x.Stages = r, tq
	}
	var entry *routeEntry
	// The record runs even when a broken upstream stream aborts the handler.
	defer g.finish(sw, x, &ev, &entry, start, tq)
	defer g.recoverPanic(sw, reqID, &ev) // runs before finish
	x.Enter("shield")
	if p := st.shield.Check(r.Context(), x); p != nil {
		g.refuse(sw, tq, p, &ev)
		return
	}
	if cors.IsPreflight(r) && g.preflight(st, sw, r, &ev, &entry) {
		return
	}
	if g.serveOAuth(st, sw, r, &ev) {
		return
	}
	var login *bruteforce.Attempt
	entry, r, p := g.admit(st, x, &ev, &login)
	if p != nil {
		if entry != nil && entry.graphql != nil {
			p = graphql.Shape(p) // a GraphQL client reads GraphQL errors
		}
		g.refuse(sw, tq, p, &ev)
		return
	}
	if login != nil {
		// A login attempt holds a reservation until settled: from its answer
		// before the client sees it, else once forwarding is over (also when
		// the handler panics or aborts).
		defer func() { entry.brute.Finish(login, ev.Decision == audit.DecisionAllow) }()
		sw.OnHeader = func(status int) { entry.brute.Answer(login, status) }
	}
	g.forward(sw, r, st, entry, x, &pr.info, &ev, reqID)
}

// perRequest is the state of one request that lives on the heap, in one
// allocation instead of one per part: the exchange the guards share and the
// forwarding instructions (a request refused before forwarding never reads
// info).
type perRequest struct {
	x    exchange.Exchange
	info proxy.RequestInfo
}

// finish records the audit event, with what the guards noted on x, and the
// metrics of one request, then releases the request body's index.
func (g *Gateway) finish(sw *statuswriter.Writer, x *exchange.Exchange, ev *audit.Event, entry **routeEntry, start time.Time, tq *tracing.Request) {
	n := &x.Notes
	ev.Noted(n.Rule, n.Object, n.Reason)
	*n = exchange.Notes{}
	if ev.Status == 0 {
		ev.Status = sw.Status
	}
	if ev.Decision == "" { // the upstream stream broke mid-body
		ev.Decision, ev.Reason = audit.DecisionError, "upstream_stream_aborted"
	}
	elapsed := g.now().Sub(start)
	ev.LatencyMS = float64(elapsed.Microseconds()) / 1000
	rm := g.unknown
	if *entry != nil {
		rm = (*entry).metrics
	}
	if tq != nil {
		ev.TraceID, ev.SpanID = tq.IDs()
		tq.End(tracing.Outcome{API: ev.API, Route: ev.Route, Path: ev.Path, Status: ev.Status,
			Decision: ev.Decision, Reason: ev.Reason, Upstream: ev.Upstream})
	}
	rm.Observe(ev.Status, ev.Decision, elapsed)
	if ev.Decision == audit.DecisionDeny {
		rm.Deny(ev.Reason)
	}
	g.audit.Record(*ev)
	if e := *entry; e != nil && e.authz != nil {
		if alert := e.authz.Observe(ev.Principal, ev.Route, ev.Object, ev.Status); alert != nil {
			g.alerts.Report(alert, *ev, g.now())
		}
	}
	statuswriter.Put(sw)
	x.ReleaseJSON() // the request is over: nothing reads its body any more
}

// recoverPanic turns a panic in the request path into an answer, an audit
// event and a metric (internal/recoverer). ServeHTTP defers it after finish,
// so it runs first and finish records the event it shapes.
func (g *Gateway) recoverPanic(sw *statuswriter.Writer, reqID string, ev *audit.Event) {
	if v := recover(); v != nil {
		if !sw.Wrote {
			sw.OnHeader = nil // a hook may be what panicked
		}
		recoverer.Handle(v, sw, sw.Wrote, sw.Status, reqID, ev, g.metrics, g.logger)
	}
}

// admit runs every check that happens before the upstream. It returns the route's
// entry (nil when no route matched) and a problem when the request is refused.
func (g *Gateway) admit(st *state, x *exchange.Exchange, ev *audit.Event, login **bruteforce.Attempt) (*routeEntry, *http.Request, *httperr.Problem) {
	w, r := x.W, x.Req
	x.Enter("route")
	canonical, err := route.Canonicalize(r.URL.EscapedPath())
	if err != nil {
		ev.Path = audit.RawPath(r.URL.EscapedPath()) // what the attacker sent, for the analyst
		return nil, r, route.PathProblem(err)        // names the reason, never the input
	}
	ev.Path = canonical
	if p := hygiene.CheckMethodCase(r.Method); p != nil {
		return nil, r, p
	}
	var m route.Match
	if res, allow := st.table.Match(r.Host, r.Method, canonical, &m); res != route.Found {
		return nil, r, route.ResultProblem(res, allow)
	}
	entry := &st.routes[st.specRoute[m.Index]]
	ev.API, ev.Route = entry.api, entry.name
	x.Path, x.API, x.Route, x.Match = canonical, entry.api, entry.name, m
	if entry.cors != nil {
		x.Enter("cors")
		if p := entry.cors.Request(x); p != nil {
			return entry, r, p
		}
	}
	x.Enter("hygiene")
	if p := hygiene.CheckHeaders(r, &entry.limits); p != nil {
		return entry, r, p
	}
	// Authenticate before the body is read: an anonymous client must not make
	// the gateway buffer a body for a route that needs credentials.
	x.Enter("authn")
	p := entry.authn.Authenticate(x)
	ev.Principal = x.Principal.ID()
	if p != nil {
		return entry, r, p
	}
	x.Enter("ratelimit")
	if p := entry.rateLimits.Charge(r.Context(), x); p != nil {
		return entry, r, p
	}
	x.Enter("body")
	if p := hygiene.PrepareBody(w, r, &entry.limits); p != nil {
		return entry, r, p
	}
	hygiene.HandBody(x)
	if entry.graphql != nil {
		x.Enter("graphql")
		if p := entry.graphql.Run(x); p != nil {
			return entry, r, p
		}
	}
	if entry.injection != nil {
		x.Enter("inspect")
		if p := entry.injection.Admit(x); p != nil {
			return entry, r, p
		}
	}
	if entry.authz != nil {
		x.Enter("authz")
		x.Req = r
		if p := entry.authz.Check(r.Context(), x); p != nil {
			return entry, r, p
		}
	}
	if entry.brute != nil { // last: nothing may refuse the attempt after its slot is reserved
		x.Enter("bruteforce")
		x.Req = r
		var p *httperr.Problem
		if *login, p = entry.brute.Begin(r.Context(), x); p != nil {
			return entry, r, p
		}
	}
	r.URL.Path = canonical
	r.URL.RawPath = ""
	if esc := route.EscapePath(canonical); esc != canonical {
		r.URL.RawPath = esc
	}
	return entry, r, nil
}

// refuse ends the stage that refused the request, then denies it.
func (g *Gateway) refuse(w *statuswriter.Writer, tq *tracing.Request, p *httperr.Problem, ev *audit.Event) {
	if tq != nil {
		tq.Refused(p.AuditReason())
		ev.TraceID, ev.SpanID = tq.IDs()
	}
	g.deny(w, ev.RequestID, p, ev)
}

// deny renders p and records the decision.
func (g *Gateway) deny(w *statuswriter.Writer, reqID string, p *httperr.Problem, ev *audit.Event) {
	ev.Decision = audit.DecisionDeny
	ev.Reason = p.AuditReason()
	if p.Status >= 500 {
		ev.Decision = audit.DecisionError
		if ok, held := g.failures.Allow(p.Code, g.now()); ok {
			cause := ""
			if p.Cause != nil { // masked: a parse error may quote what an upstream or backend sent
				cause = logsafe.Mask(p.Cause.Error())
			}
			g.logger.Error("request failed", "request_id", reqID, "trace_id", ev.TraceID, "code", p.Code, "error", cause, "suppressed", held)
		}
	}
	httperr.Write(w, reqID, p)
}

// forward hands the request to the route's upstream.
func (g *Gateway) forward(w *statuswriter.Writer, r *http.Request, st *state, entry *routeEntry, x *exchange.Exchange, info *proxy.RequestInfo, ev *audit.Event, reqID string) {
	if pr := audit.Blocked(st.plan.Audit.OnFailure, g.audit); pr != nil { // audit.on_failure: block
		g.deny(w, reqID, pr, ev)
		return
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	*info = proxy.RequestInfo{Forwarded: proxy.Forwarded{ClientIP: ev.ClientIP, Proto: proto, Host: r.Host},
		Keep: st.owned.Keep(), RequestID: reqID}
	info.Response = entry.exposure.Response(x)
	if entry.authz != nil && entry.authz.ReadsResponse() {
		// Ownership is learned from the answer as the upstream sent it, before
		// the exposure guard may cut the field that holds the id.
		info.Before(entry.authz.Response(x))
		r.Header.Del("Accept-Encoding") // the guard reads the answer: ask for it uncompressed
	}
	if entry.graphql != nil {
		info.Before(entry.graphql.Response(x)) // errors cleaned before the exposure guards run
		r.Header.Del("Accept-Encoding")
	}
	if entry.cors != nil {
		info.Before(cors.Response)
	}
	if v := w.Header()["X-Request-Id"]; len(v) == 1 && v[0] == reqID {
		r.Header["X-Request-Id"] = v // the answer's slice from ServeHTTP: one allocation serves both
	} else {
		r.Header.Set("X-Request-Id", reqID)
	}
	if tq, ok := x.Stages.(*tracing.Request); ok {
		tq.Enter("upstream") // the response guards run in it too
		tq.Inject(r.Header)
	}
	entry.upstream.Forward(w, r, info)
	out := &info.Outcome
	ev.Upstream = out.Target
	if out.Latency > 0 {
		entry.metrics.ObserveUpstream(out.Latency)
	}
	if out.Status == http.StatusSwitchingProtocols {
		ev.Status = out.Status
	}
	if out.Err != nil && out.Code == "" { // stream aborted: the deferred finish records it
		return
	}
	switch {
	case out.Code != "":
		ev.Decision, ev.Reason = audit.DecisionError, out.Code
		if w.Status < 500 { // 408/413 from reading the client body are denials
			ev.Decision = audit.DecisionDeny
		}
	default:
		ev.Decision = audit.DecisionAllow
	}
}
