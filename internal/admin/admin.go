package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/gateway"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Deps are what the admin API reads.
type Deps struct {
	Gateway *gateway.Gateway
	Store   *store.Store // nil when no store is configured: audit queries use the in-memory ring
	Audit   *audit.Recorder
	Metrics *metrics.Metrics
	Token   func() string                   // current admin token (follows reloads)
	Ready   func(ctx context.Context) error // nil error = ready
	// Console, when set, serves /console (the browser console, internal/console).
	Console http.Handler
}

// API is the admin HTTP API.
type API struct{ d Deps }

// New returns the admin API.
func New(d Deps) *API { return &API{d: d} }

// Handler returns the admin listener's handler. withMetrics serves the metrics at
// metricsPath too (when no dedicated metrics listener is configured).
func (a *API) Handler(withMetrics bool, metricsPath string) http.Handler {
	mux := http.NewServeMux()
	a.health(mux)
	if withMetrics {
		mux.Handle("GET "+metricsPath, a.d.Metrics.Handler())
	}
	mux.Handle("GET /admin/api/config", a.auth(a.config))
	mux.Handle("GET /admin/api/routes", a.auth(a.routes))
	mux.Handle("GET /admin/api/upstreams", a.auth(a.upstreams))
	mux.Handle("GET /admin/api/audit", a.auth(a.audit))
	mux.Handle("GET /admin/api/audit/rollups", a.auth(a.auditRollups))
	mux.Handle("GET /admin/api/audit/refusals", a.auth(a.auditRefusals))
	a.keysRoutes(mux)
	a.quotaRoutes(mux)
	a.ownersRoutes(mux)
	a.graphqlRoutes(mux)
	a.oauthRoutes(mux)
	if a.d.Console != nil {
		mux.Handle("/console", a.d.Console)
		mux.Handle("/console/", a.d.Console)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "not_found", "No such admin endpoint."))
	})
	return mux
}

// MetricsHandler serves only health and metrics (the dedicated metrics listener).
func (a *API) MetricsHandler(path string) http.Handler {
	mux := http.NewServeMux()
	a.health(mux)
	mux.Handle("GET "+path, a.d.Metrics.Handler())
	return mux
}

func (a *API) health(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if a.d.Ready != nil {
			if err := a.d.Ready(ctx); err != nil {
				httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "not_ready", "Not ready: "+err.Error()).WithCause(err))
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// auth requires the admin bearer token.
func (a *API) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := a.d.Token()
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || want == "" || !equal(got, want) {
			httperr.Write(w, "", httperr.New(http.StatusUnauthorized, "admin_unauthorized",
				"A valid admin token is required.").WithHeader("WWW-Authenticate", `Bearer realm="bulwark-admin"`))
			return
		}
		a.serveRecorded(next, w, r)
	})
}

// equal compares secrets in constant time, independent of their lengths.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// configSummary is the config without secrets.
type configSummary struct {
	Source         string   `json:"source"`
	Listen         string   `json:"listen"`
	TLS            bool     `json:"tls"`
	TrustedProxies []string `json:"trusted_proxies"`
	AdminListen    string   `json:"admin_listen"`
	Store          string   `json:"store"`
	APIs           []apiSum `json:"apis"`
}

type apiSum struct {
	Name    string   `json:"name"`
	Hosts   []string `json:"hosts,omitempty"`
	Targets []string `json:"targets"`
	Routes  int      `json:"routes"`
}

func (a *API) config(w http.ResponseWriter, r *http.Request) {
	p := a.d.Gateway.Plan()
	s := configSummary{Source: p.Source, Listen: p.Server.Listen, TLS: p.Server.TLSCert != "",
		TrustedProxies: p.Server.TrustedProxies, AdminListen: p.Admin.Listen, Store: storeKind(p.Store)}
	for _, api := range p.APIs {
		s.APIs = append(s.APIs, apiSum{Name: api.Name, Hosts: api.Hosts, Targets: api.Upstream.Targets, Routes: len(api.Routes)})
	}
	writeJSON(w, http.StatusOK, s)
}

// storeKind names the store backend without its DSN, which may hold a password.
func storeKind(dsn string) string {
	switch {
	case dsn == "":
		return "none"
	case strings.HasPrefix(dsn, "sqlite"):
		return dsn
	default:
		return "postgres"
	}
}

func (a *API) upstreams(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.d.Gateway.Upstreams())
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{API: q.Get("api"), Route: q.Get("route"), Decision: q.Get("decision"),
		Reason: q.Get("reason"), ClientIP: q.Get("client_ip"), RequestID: q.Get("request_id"), Principal: q.Get("principal")}
	var err error
	if f.Status, err = intParam(q.Get("status")); err == nil {
		if f.Limit, err = intParam(q.Get("limit")); err == nil {
			var before int
			before, err = intParam(q.Get("before_id"))
			f.BeforeID = int64(before)
		}
	}
	if err == nil && q.Get("since") != "" {
		f.Since, err = time.Parse(time.RFC3339, q.Get("since"))
	}
	if err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query",
			"status, limit and before_id take whole numbers; since takes an RFC 3339 time."))
		return
	}
	if a.d.Store == nil {
		writeJSON(w, http.StatusOK, map[string]any{"source": "memory", "events": a.d.Audit.Recent(audit.Filter{
			API: f.API, Route: f.Route, Decision: f.Decision, Reason: f.Reason, ClientIP: f.ClientIP,
			RequestID: f.RequestID, Status: f.Status, Since: f.Since, Limit: f.Limit})})
		return
	}
	rows, err := a.d.Store.QueryAudit(r.Context(), f)
	if err != nil {
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The audit store does not answer.").WithCause(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"source": "store", "events": rows})
}

// limitParam reads the limit query parameter of a list endpoint, or writes
// a problem and reports false.
func limitParam(w http.ResponseWriter, q url.Values) (int, bool) {
	limit, err := intParam(q.Get("limit"))
	if err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query", "limit takes a whole number."))
		return 0, false
	}
	return limit, true
}

// needStore returns the store, or writes a 404 problem (code, naming what
// needs it) and returns nil when the gateway runs without one.
func (a *API) needStore(w http.ResponseWriter, code, what string) *store.Store {
	if a.d.Store == nil {
		httperr.Write(w, "", httperr.New(http.StatusNotFound, code, what+" need a store (store:)."))
	}
	return a.d.Store
}

func intParam(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}
