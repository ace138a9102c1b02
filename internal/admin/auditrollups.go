package admin

import (
	"net/http"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// rollupJSON is one rollup row on the admin API.
type rollupJSON struct {
	Minute       time.Time `json:"minute"`
	API          string    `json:"api"`
	Route        string    `json:"route"`
	Consumer     string    `json:"consumer"`
	StatusClass  int       `json:"status_class"`
	Decision     string    `json:"decision"`
	Count        int64     `json:"count"`
	LatencySumMS float64   `json:"latency_sum_ms"`
	// Latency counts requests per bucket: at most LatencyBoundsMS[i] ms, the last slower.
	Latency []int64 `json:"latency"`
}

// refusalJSON is one refusal summary on the admin API.
type refusalJSON struct {
	Minute   time.Time `json:"minute"`
	ClientIP string    `json:"client_ip"`
	Reason   string    `json:"reason"`
	Route    string    `json:"route"`
	Count    int64     `json:"count"`
	Samples  []string  `json:"samples"`
}

// rollupFilter reads the query of GET /admin/api/audit/rollups and /refusals.
func rollupFilter(r *http.Request) (store.RollupFilter, *httperr.Problem) {
	q := r.URL.Query()
	f := store.RollupFilter{API: q.Get("api"), Route: q.Get("route"), Consumer: q.Get("consumer"),
		Decision: q.Get("decision"), ClientIP: q.Get("client_ip"), Reason: q.Get("reason")}
	var err error
	f.Limit, err = intParam(q.Get("limit"))
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if err == nil && q.Get(p.name) != "" {
			*p.dst, err = time.Parse(time.RFC3339, q.Get(p.name))
		}
	}
	if err != nil {
		return f, httperr.New(http.StatusBadRequest, "bad_query", "limit takes a whole number; since and until take RFC 3339 times.")
	}
	return f, nil
}

// serveSummary answers a rollup or refusal query: what names the data in problems.
func (a *API) serveSummary(w http.ResponseWriter, r *http.Request, what string, query func(store.RollupFilter) (any, error)) {
	f, p := rollupFilter(r)
	if p == nil && a.d.Store == nil {
		p = httperr.New(http.StatusNotFound, "no_store", what+" are kept in the store; none is configured.")
	}
	if p != nil {
		httperr.Write(w, "", p)
		return
	}
	out, err := query(f)
	if err != nil {
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The audit store does not answer.").WithCause(err))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// auditRollups serves the per-minute rollups of every request, newest first.
func (a *API) auditRollups(w http.ResponseWriter, r *http.Request) {
	a.serveSummary(w, r, "Rollups", func(f store.RollupFilter) (any, error) {
		rows, err := a.d.Store.QueryRollups(r.Context(), f)
		out := make([]rollupJSON, len(rows))
		for i, x := range rows {
			out[i] = rollupJSON{Minute: x.Minute, API: x.API, Route: x.Route, Consumer: x.Consumer, StatusClass: x.StatusClass,
				Decision: x.Decision, Count: x.Count, LatencySumMS: x.LatencySumMS, Latency: x.Latency[:]}
		}
		return map[string]any{"latency_bounds_ms": audit.LatencyBoundsMS[:], "rollups": out}, err
	})
}

// auditRefusals serves the per-minute summaries of refusals over their budget.
func (a *API) auditRefusals(w http.ResponseWriter, r *http.Request) {
	a.serveSummary(w, r, "Refusal summaries", func(f store.RollupFilter) (any, error) {
		rows, err := a.d.Store.QueryRefusals(r.Context(), f)
		out := make([]refusalJSON, len(rows))
		for i, x := range rows {
			out[i] = refusalJSON{Minute: x.Minute, ClientIP: x.ClientIP, Reason: x.Reason, Route: x.Route, Count: x.Count, Samples: x.Samples}
			if out[i].Samples == nil {
				out[i].Samples = []string{}
			}
		}
		return map[string]any{"refusals": out}, err
	})
}
