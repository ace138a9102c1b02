package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// The clients and end users of the built-in authorization server (the oauth
// section, docs/oauth.md). Every change is an audit event with decision
// admin naming the operator (serveRecorded); secrets never are.

// oauthRoutes registers the OAuth client and user endpoints.
func (a *API) oauthRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/oauth/clients", a.auth(a.listOAuthClients))
	mux.Handle("POST /admin/api/oauth/clients", a.auth(a.createOAuthClient))
	mux.Handle("GET /admin/api/oauth/clients/{id}", a.auth(a.getOAuthClient))
	mux.Handle("PATCH /admin/api/oauth/clients/{id}", a.auth(a.updateOAuthClient))
	mux.Handle("POST /admin/api/oauth/clients/{id}/revoke", a.auth(a.revokeOAuthClient))
	mux.Handle("POST /admin/api/oauth/clients/{id}/secret", a.auth(a.resetOAuthSecret))
	mux.Handle("DELETE /admin/api/oauth/clients/{id}", a.auth(a.deleteOAuthClient))
	mux.Handle("POST /admin/api/oauth/users", a.auth(a.createOAuthUser))
	mux.Handle("POST /admin/api/oauth/users/{username}/totp", a.auth(a.enrollOAuthTOTP))
	mux.Handle("DELETE /admin/api/oauth/users/{username}/totp", a.auth(a.removeOAuthTOTP))
}

// oauthPlan returns the running oauth section, or writes a 404 problem.
func (a *API) oauthPlan(w http.ResponseWriter) *config.OAuth {
	var o *config.OAuth
	if a.d.Gateway != nil {
		o = a.d.Gateway.Plan().OAuth
	}
	if o == nil || a.d.Store == nil {
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "oauth_disabled", "The authorization server is not configured (oauth)."))
		return nil
	}
	return o
}

// oauthClientView is a client as the API shows it (never its secret hash).
type oauthClientView struct {
	*store.OAuthClient
	Type  string `json:"type"` // confidential or public
	State string `json:"state"`
}

func viewOAuthClient(c *store.OAuthClient) oauthClientView {
	v := oauthClientView{OAuthClient: c, Type: "confidential", State: "active"}
	if c.Public {
		v.Type = "public"
	}
	if !c.RevokedAt.IsZero() {
		v.State = "revoked"
	}
	return v
}

func (a *API) listOAuthClients(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	cs, err := a.d.Store.OAuthClients(r.Context())
	if err != nil {
		oauthProblem(w, err)
		return
	}
	out := make([]oauthClientView, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewOAuthClient(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": out})
}

func (a *API) getOAuthClient(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	c, err := a.d.Store.OAuthClient(r.Context(), r.PathValue("id"))
	if err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOAuthClient(c))
}

// oauthClientRequest is the body of POST (every field) and PATCH (the fields
// to replace) on clients.
type oauthClientRequest struct {
	ID           *string   `json:"client_id"`
	Name         *string   `json:"name"`
	Site         *string   `json:"site"`
	Public       *bool     `json:"public"`
	FirstParty   *bool     `json:"first_party"`
	RedirectURIs *[]string `json:"redirect_uris"`
	Scopes       *[]string `json:"scopes"`
	Grants       *[]string `json:"grant_types"`
}

// apply sets spec's fields that req names.
func (req oauthClientRequest) apply(spec *oauthserver.ClientSpec) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setList := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = slices.Clone(*v)
		}
	}
	set(&spec.Name, req.Name)
	set(&spec.Site, req.Site)
	if req.FirstParty != nil {
		spec.FirstParty = *req.FirstParty
	}
	setList(&spec.RedirectURIs, req.RedirectURIs)
	setList(&spec.Scopes, req.Scopes)
	setList(&spec.Grants, req.Grants)
}

// oauthClientRequest returns the oauth section and the request body; it
// writes the problem and returns false when either is missing.
func (a *API) oauthClientRequest(w http.ResponseWriter, r *http.Request) (*config.OAuth, oauthClientRequest, bool) {
	var req oauthClientRequest
	o := a.oauthPlan(w)
	if o == nil {
		return nil, req, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body",
			"Send a JSON object with name, and optionally client_id, site, public, first_party, redirect_uris, scopes, grant_types."))
		return nil, req, false
	}
	return o, req, true
}

// unknownScopes refuses scopes the oauth section does not list.
func unknownScopes(w http.ResponseWriter, o *config.OAuth, scopes []string) bool {
	for _, sc := range scopes {
		if !slices.ContainsFunc(o.Options.Scopes, func(s oauthserver.Scope) bool { return s.Name == sc }) {
			httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", fmt.Sprintf("The scope %q is not listed in oauth.scopes.", sc)))
			return true
		}
	}
	return false
}

func (a *API) createOAuthClient(w http.ResponseWriter, r *http.Request) {
	o, req, ok := a.oauthClientRequest(w, r)
	if !ok {
		return
	}
	spec := oauthserver.ClientSpec{Grants: []string{"authorization_code", "refresh_token"}}
	req.apply(&spec)
	if req.ID != nil {
		spec.ID = *req.ID
	}
	if req.Public != nil {
		spec.Public = *req.Public
	}
	if unknownScopes(w, o, spec.Scopes) {
		return
	}
	c, secret, err := oauthserver.CreateClient(r.Context(), a.d.Store, spec)
	if err != nil {
		oauthProblem(w, err)
		return
	}
	out := map[string]any{"client": viewOAuthClient(c)}
	if secret != "" {
		out["client_secret"] = secret
		out["warning"] = "This is the only time the secret is shown. Store it now; only its hash is kept."
	}
	writeJSON(w, http.StatusCreated, out)
}

func (a *API) updateOAuthClient(w http.ResponseWriter, r *http.Request) {
	o, req, ok := a.oauthClientRequest(w, r)
	if !ok {
		return
	}
	if req.ID != nil || req.Public != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", "A client's id and type cannot change; register a new client."))
		return
	}
	id := r.PathValue("id")
	c, err := a.d.Store.OAuthClient(r.Context(), id)
	if err != nil {
		oauthProblem(w, err)
		return
	}
	spec := oauthserver.Spec(c)
	req.apply(&spec)
	if unknownScopes(w, o, spec.Scopes) {
		return
	}
	if c, err = oauthserver.UpdateClient(r.Context(), a.d.Store, id, spec); err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, viewOAuthClient(c))
}

func (a *API) revokeOAuthClient(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	id := r.PathValue("id")
	if err := a.d.Store.RevokeOAuthClient(r.Context(), id, time.Now()); err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"client_id": id, "state": "revoked"})
}

func (a *API) resetOAuthSecret(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	id := r.PathValue("id")
	secret, err := oauthserver.ResetClientSecret(r.Context(), a.d.Store, id)
	if err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"client_id": id, "client_secret": secret,
		"warning": "This is the only time the secret is shown. The old secret no longer works."})
}

func (a *API) deleteOAuthClient(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	if err := a.d.Store.DeleteOAuthClient(r.Context(), r.PathValue("id"), time.Now()); err != nil {
		oauthProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// oauthUserRequest is the body of POST /admin/api/oauth/users.
type oauthUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (a *API) createOAuthUser(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	var req oauthUserRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", "Send a JSON object with username and password."))
		return
	}
	u, err := oauthserver.CreateUser(r.Context(), a.d.Store, req.Username, req.Password)
	if err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
}

func (a *API) enrollOAuthTOTP(w http.ResponseWriter, r *http.Request) {
	o := a.oauthPlan(w)
	if o == nil {
		return
	}
	link, secret, err := oauthserver.EnrollTOTP(r.Context(), a.d.Store, o.Options, r.PathValue("username"))
	if err != nil {
		oauthProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"otpauth_url": link, "secret": secret,
		"warning": "This is the only time the secret is shown. From now on the user signs in with a one-time code too."})
}

func (a *API) removeOAuthTOTP(w http.ResponseWriter, r *http.Request) {
	if a.oauthPlan(w) == nil {
		return
	}
	if err := oauthserver.RemoveTOTP(r.Context(), a.d.Store, r.PathValue("username")); err != nil {
		oauthProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// oauthProblem maps client and user errors to problems.
func oauthProblem(w http.ResponseWriter, err error) {
	var invalid *oauthserver.InvalidError
	switch {
	case errors.Is(err, store.ErrOAuthNotFound):
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "oauth_not_found", "No such live client or user."))
	case errors.Is(err, store.ErrOAuthConflict):
		httperr.Write(w, "", httperr.New(http.StatusConflict, "oauth_conflict", "The id or username is taken (ids of revoked and deleted clients are never reused)."))
	case errors.As(err, &invalid):
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", invalid.Error()))
	default:
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The store does not answer.").WithCause(err))
	}
}
