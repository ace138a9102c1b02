package admin

import (
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
)

// quotaRoutes registers the quota endpoints. A quota is named by its id (the
// API name for an API-wide quota, "api/route" for a route's own) and a key
// ("<id>|ip=…", "<id>|c=<consumer>" …), as GET /admin/api/quotas lists them.
func (a *API) quotaRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/quotas", a.auth(a.listQuotas))
	mux.Handle("GET /admin/api/quotas/usage", a.auth(a.quotaUsage))
	mux.Handle("POST /admin/api/quotas/reset", a.auth(a.resetQuota))
}

// quotaFor finds the quota named by ?quota=, answering 404 itself when unknown.
func (a *API) quotaFor(w http.ResponseWriter, r *http.Request) *quota.Quotas {
	q := a.d.Gateway.Quota(r.URL.Query().Get("quota"))
	if q == nil {
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "quota_not_found", "No quota with that id; ids are listed in the config (api or api/route)."))
	}
	return q
}

func (a *API) listQuotas(w http.ResponseWriter, r *http.Request) {
	q := a.quotaFor(w, r)
	if q == nil {
		return
	}
	usage, err := q.List(r.Context(), r.URL.Query().Get("prefix"))
	if err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quota": r.URL.Query().Get("quota"), "usage": usage})
}

func (a *API) quotaUsage(w http.ResponseWriter, r *http.Request) {
	q := a.quotaFor(w, r)
	if q == nil {
		return
	}
	res, err := q.Usage(r.Context(), r.URL.Query().Get("key"))
	if err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) resetQuota(w http.ResponseWriter, r *http.Request) {
	q := a.quotaFor(w, r)
	if q == nil {
		return
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query", "key is required."))
		return
	}
	if err := q.Reset(r.Context(), key); err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"quota": r.URL.Query().Get("quota"), "key": key, "state": "reset"})
}
