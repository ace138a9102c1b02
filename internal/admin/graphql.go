package admin

import "net/http"

// graphqlRoutes registers the GraphQL endpoints.
func (a *API) graphqlRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/graphql/learned", a.auth(a.graphqlLearned))
}

// graphqlLearned lists what learning mode has seen. With ?format=manifest it
// answers a manifest ({"<sha256>": "<text>", …}, every route together) that
// persisted.manifest accepts as it is; operations whose text was not kept
// are left out of it.
func (a *API) graphqlLearned(w http.ResponseWriter, r *http.Request) {
	learned := a.d.Gateway.GraphQLLearned()
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
