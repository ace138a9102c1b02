package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// keysRoutes registers the API-key management endpoints.
func (a *API) keysRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/keys", a.auth(a.listKeys))
	mux.Handle("POST /admin/api/keys", a.auth(a.createKey))
	mux.Handle("POST /admin/api/keys/{id}/revoke", a.auth(a.revokeKey))
	mux.Handle("POST /admin/api/keys/{id}/rotate", a.auth(a.rotateKey))
}

// manager builds a key manager with the running config's pepper.
func (a *API) manager(w http.ResponseWriter) *apikey.Manager {
	ak := a.d.Gateway.Plan().Identity.APIKeys
	if ak == nil || a.d.Store == nil {
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "api_keys_disabled", "API keys are not configured (identity.api_keys)."))
		return nil
	}
	m, err := apikey.NewManager(a.d.Store, []byte(ak.Pepper), nil)
	if err != nil {
		httperr.Write(w, "", httperr.New(http.StatusInternalServerError, "internal", "").WithCause(err))
		return nil
	}
	return m
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	m := a.manager(w)
	if m == nil {
		return
	}
	q := r.URL.Query()
	limit, ok := limitParam(w, q)
	if !ok {
		return
	}
	keys, err := m.List(r.Context(), store.KeyFilter{Consumer: q.Get("consumer"), IncludeRevoked: q.Get("all") == "true", Limit: limit})
	if err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// createKeyRequest is the body of POST /admin/api/keys.
type createKeyRequest struct {
	Consumer string            `json:"consumer"`
	Subject  string            `json:"subject"`
	Scopes   []string          `json:"scopes"`
	Roles    []string          `json:"roles"`
	Metadata map[string]string `json:"metadata"`
	Expires  string            `json:"expires"` // "90d", "12h"; empty: never
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request) {
	m := a.manager(w)
	if m == nil {
		return
	}
	var req createKeyRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body",
			"Send a JSON object with consumer, and optionally subject, scopes, roles, metadata, expires."))
		return
	}
	var ttl time.Duration
	if req.Expires != "" {
		d, err := config.ParseDuration(req.Expires)
		if err != nil || d <= 0 {
			httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", "expires takes a duration like 90d or 12h."))
			return
		}
		ttl = d
	}
	plain, key, err := m.Create(r.Context(), apikey.CreateRequest{Consumer: req.Consumer, Subject: req.Subject,
		Scopes: req.Scopes, Roles: req.Roles, Metadata: req.Metadata, ExpiresIn: ttl})
	if err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"key": plain, "details": key,
		"warning": "This is the only time the key is shown. Store it now."})
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) {
	m := a.manager(w)
	if m == nil {
		return
	}
	if err := m.Revoke(r.Context(), r.PathValue("id")); err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "state": "revoked"})
}

func (a *API) rotateKey(w http.ResponseWriter, r *http.Request) {
	m := a.manager(w)
	if m == nil {
		return
	}
	overlap := 24 * time.Hour
	if s := r.URL.Query().Get("overlap"); s != "" {
		d, err := config.ParseDuration(s)
		if err != nil || d < 0 {
			httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query", "overlap takes a duration like 24h."))
			return
		}
		overlap = d
	}
	plain, key, err := m.Rotate(r.Context(), r.PathValue("id"), overlap)
	if err != nil {
		storeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"key": plain, "details": key,
		"warning": "This is the only time the new key is shown. The old key stays valid until the overlap ends."})
}

// storeProblem maps key-management errors to problems.
func storeProblem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "key_not_found", "No such key."))
	case errors.Is(err, store.ErrKeyRevoked), errors.Is(err, store.ErrKeyReplaced):
		httperr.Write(w, "", httperr.New(http.StatusConflict, "key_state", "The key is revoked or already rotated."))
	case errors.Is(err, apikey.ErrInvalidRequest):
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", err.Error()))
	default:
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The store does not answer.").WithCause(err))
	}
}
