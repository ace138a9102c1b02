package demo

import (
	"crypto/subtle"
	"net/http"
	"strconv"
)

// IntrospectClientID is the client id Bulwark presents to the shop's
// introspection endpoint (examples/demo.yaml).
const IntrospectClientID = "bulwark"

// IntrospectSecretSuffix follows the admin token in the client secret that
// examples/demo.yaml presents: ${env:BULWARK_ADMIN_TOKEN}-shop-introspection.
const IntrospectSecretSuffix = "-shop-introspection"

// SetIntrospectionSecret sets the client secret the introspection endpoint
// wants. Until it is set the endpoint refuses everyone.
func (s *Shop) SetIntrospectionSecret(secret string) { s.introspectSecret.Store(secret) }

// introspect answers POST /oauth/introspect (RFC 7662) for the session tokens
// /login hands out, so that a gateway can learn who is calling: active, sub
// (the user id, as the shop's paths name users) and username. A token the
// shop does not know is {"active":false}. The caller must authenticate with
// HTTP Basic client credentials (SetIntrospectionSecret).
func (s *Shop) introspect(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	want, _ := s.introspectSecret.Load().(string)
	if !ok || want == "" || subtle.ConstantTimeCompare([]byte(id), []byte(IntrospectClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="introspection"`)
		writeError(w, http.StatusUnauthorized, "client credentials required")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "body must be a form")
		return
	}
	userID, found := s.sessions.lookup(r.PostForm.Get("token"))
	if !found {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	var username string
	err := s.db.QueryRowContext(r.Context(), `SELECT username FROM users WHERE id = ?`, userID).Scan(&username)
	if err != nil { // the user was deleted: the session is over
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "sub": strconv.FormatInt(userID, 10), "username": username,
		"client_id": "shop", "token_type": "Bearer",
	})
}
