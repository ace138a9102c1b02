package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// maxOperationBody bounds a registration body (an operation's text and its
// names).
const maxOperationBody = 1<<20 + 4096

// graphqlRoutes registers the GraphQL endpoints.
func (a *API) graphqlRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/graphql/learned", a.auth(a.graphqlLearned))
	mux.Handle("GET /admin/api/graphql/operations", a.auth(a.graphqlOperations))
	mux.Handle("POST /admin/api/graphql/operations", a.auth(a.registerOperation))
	mux.Handle("DELETE /admin/api/graphql/operations", a.auth(a.deleteOperation))
	mux.Handle("POST /admin/api/graphql/operations/promote", a.auth(a.promoteOperations))
}

// graphqlLearned lists what learning mode has seen. With ?format=manifest it
// answers a manifest ({"<sha256>": "<text>", …}, every route together) that
// persisted.manifest accepts as it is; operations whose text was not kept
// are left out of it.
func (a *API) graphqlLearned(w http.ResponseWriter, r *http.Request) {
	learned := a.d.Gateway.GraphQL().Learned()
	if r.URL.Query().Get("format") != "manifest" {
		writeJSON(w, http.StatusOK, map[string]any{"routes": learned})
		return
	}
	manifest := map[string]string{}
	for _, rt := range learned {
		for _, op := range rt.Operations {
			if op.Query != "" {
				manifest[op.Hash] = op.Query
			}
		}
	}
	writeJSON(w, http.StatusOK, manifest)
}

// operationStore returns the store, or writes a problem and returns nil.
func (a *API) operationStore(w http.ResponseWriter) *store.Store {
	return a.needStore(w, "graphql_store_disabled", "Stored GraphQL operations")
}

// graphqlOperations serves GET /admin/api/graphql/operations?api=&route=&status=&limit=:
// the persisted operations in the store (learned and registered), ordered by
// API, route and hash.
func (a *API) graphqlOperations(w http.ResponseWriter, r *http.Request) {
	st := a.operationStore(w)
	if st == nil {
		return
	}
	q := r.URL.Query()
	limit, ok := limitParam(w, q)
	if !ok {
		return
	}
	status := q.Get("status")
	if status != "" && status != store.GraphQLLearned && status != store.GraphQLRegistered {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query", "status is learned or registered."))
		return
	}
	ops, err := st.GraphQLOperations(r.Context(), store.GraphQLOperationFilter{API: q.Get("api"), Route: q.Get("route"),
		Status: status, Limit: limit})
	if err != nil {
		operationProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": ops})
}

// operationRequest is the body of POST /admin/api/graphql/operations: the
// operation's text, or the hash of one (a learned operation's, whose text
// the store keeps, or one whose text clients always send).
type operationRequest struct {
	API           string `json:"api"`
	Route         string `json:"route"`
	Query         string `json:"query"`
	Hash          string `json:"hash"`
	OperationName string `json:"operation_name"`
}

// registerOperation registers one operation for allow mode and refreshes
// this node's guards.
func (a *API) registerOperation(w http.ResponseWriter, r *http.Request) {
	st := a.operationStore(w)
	if st == nil {
		return
	}
	var req operationRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxOperationBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body",
			`Send a JSON object: {"api":"…","route":"…","query":"…"} (or "hash" instead of "query").`))
		return
	}
	if !a.storedRoute(w, req.API, req.Route) {
		return
	}
	op := store.GraphQLOperation{API: req.API, Route: req.Route, Query: req.Query, OperationName: req.OperationName,
		Hash: strings.ToLower(req.Hash)}
	if op.Hash == "" && op.Query != "" {
		sum := sha256.Sum256([]byte(op.Query))
		op.Hash = hex.EncodeToString(sum[:])
	}
	got, err := st.RegisterGraphQLOperation(r.Context(), op)
	if err != nil {
		operationProblem(w, err)
		return
	}
	if !a.refreshOperations(w, r) {
		return
	}
	writeJSON(w, http.StatusCreated, got)
}

// promoteOperations serves POST /admin/api/graphql/operations/promote
// {"api":…,"route":…}: every operation learning mode stored for the route
// becomes registered, so that switching the route to allow mode keeps them
// running.
func (a *API) promoteOperations(w http.ResponseWriter, r *http.Request) {
	st := a.operationStore(w)
	if st == nil {
		return
	}
	var req struct {
		API   string `json:"api"`
		Route string `json:"route"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", `Send a JSON object: {"api":"…","route":"…"}.`))
		return
	}
	if !a.storedRoute(w, req.API, req.Route) {
		return
	}
	learned, err := st.GraphQLOperations(r.Context(), store.GraphQLOperationFilter{API: req.API, Route: req.Route,
		Status: store.GraphQLLearned, Limit: store.MaxGraphQLOpsLimit})
	if err != nil {
		operationProblem(w, err)
		return
	}
	for _, op := range learned {
		if _, err := st.RegisterGraphQLOperation(r.Context(), store.GraphQLOperation{API: op.API, Route: op.Route, Hash: op.Hash}); err != nil {
			operationProblem(w, err)
			return
		}
	}
	if !a.refreshOperations(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"api": req.API, "route": req.Route, "promoted": len(learned)})
}

// deleteOperation serves DELETE /admin/api/graphql/operations?api=&route=&hash=.
func (a *API) deleteOperation(w http.ResponseWriter, r *http.Request) {
	st := a.operationStore(w)
	if st == nil {
		return
	}
	q := r.URL.Query()
	api, route, hash := q.Get("api"), q.Get("route"), strings.ToLower(q.Get("hash"))
	if api == "" || route == "" || hash == "" {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_query", "api, route and hash are required."))
		return
	}
	if err := st.DeleteGraphQLOperation(r.Context(), api, route, hash); err != nil {
		operationProblem(w, err)
		return
	}
	if !a.refreshOperations(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"api": api, "route": route, "hash": hash, "state": "deleted"})
}

// storedRoute checks that api has a GraphQL route named route whose
// operations are kept in the store; otherwise it writes a problem.
func (a *API) storedRoute(w http.ResponseWriter, api, route string) bool {
	exists, stored := a.d.Gateway.GraphQL().Find(api, route)
	switch {
	case !exists:
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "graphql_route_not_found",
			"No GraphQL route of that API has that name (see GET /admin/api/routes)."))
		return false
	case !stored:
		httperr.Write(w, "", httperr.New(http.StatusConflict, "graphql_store_off",
			"The route does not keep its operations in the store: set persisted.store: true on it."))
		return false
	}
	return true
}

// refreshOperations gives this node's guards the store's operations.
func (a *API) refreshOperations(w http.ResponseWriter, r *http.Request) bool {
	if err := a.d.Gateway.GraphQL().Refresh(r.Context()); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable",
			"The change is stored, but the guards could not reload it; they will at the next reload.").WithCause(err))
		return false
	}
	return true
}

func operationProblem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrGraphQLOperationNotFound):
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "graphql_operation_not_found", "No such stored operation."))
	case errors.Is(err, store.ErrInvalidGraphQLOperation):
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, ": "); ok {
			msg = after
		}
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_request", msg))
	default:
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The store does not answer.").WithCause(err))
	}
}
