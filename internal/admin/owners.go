package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Ownership endpoint bounds.
const (
	maxOwnerBody  = 4 << 10  // a PUT body: {"owner":"…"}
	maxImportBody = 10 << 20 // an import: about 200k short records
	maxImportRecs = 500_000
)

// ownersRoutes registers the ownership record endpoints. Writes go to the
// store; every gateway node (this one too) drops what changed from its
// cache within a poll interval.
func (a *API) ownersRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/api/owners", a.auth(a.listOwners))
	mux.Handle("GET /admin/api/owners/{object}/{id}", a.auth(a.getOwner))
	mux.Handle("PUT /admin/api/owners/{object}/{id}", a.auth(a.setOwner))
	mux.Handle("DELETE /admin/api/owners/{object}/{id}", a.auth(a.deleteOwner))
	mux.Handle("POST /admin/api/owners/import", a.auth(a.importOwners))
}

// ownerStore returns the store, or writes a problem and returns nil.
func (a *API) ownerStore(w http.ResponseWriter) *store.Store {
	return a.needStore(w, "ownership_disabled", "Ownership records")
}

// listOwners serves GET /admin/api/owners?object=&owner=&limit=&after_object=&after_id=,
// ordered by (object, id); page with the last record's object and id.
func (a *API) listOwners(w http.ResponseWriter, r *http.Request) {
	st := a.ownerStore(w)
	if st == nil {
		return
	}
	q := r.URL.Query()
	limit, ok := limitParam(w, q)
	if !ok {
		return
	}
	recs, err := st.ListOwners(r.Context(), store.OwnerFilter{ObjectType: q.Get("object"), Owner: q.Get("owner"),
		Limit: limit, AfterType: q.Get("after_object"), AfterID: q.Get("after_id")})
	if err != nil {
		ownersProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"owners": recs})
}

func (a *API) getOwner(w http.ResponseWriter, r *http.Request) {
	st := a.ownerStore(w)
	if st == nil {
		return
	}
	typ, id := r.PathValue("object"), r.PathValue("id")
	owner, err := st.Owner(r.Context(), typ, id)
	if err != nil {
		ownersProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, store.OwnershipRecord{ObjectType: typ, ObjectID: id, Owner: owner})
}

// setOwnerRequest is the body of PUT /admin/api/owners/{object}/{id}.
type setOwnerRequest struct {
	Owner string `json:"owner"`
}

func (a *API) setOwner(w http.ResponseWriter, r *http.Request) {
	st := a.ownerStore(w)
	if st == nil {
		return
	}
	var req setOwnerRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxOwnerBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", `Send a JSON object: {"owner":"…"}.`))
		return
	}
	rec := store.OwnershipRecord{ObjectType: r.PathValue("object"), ObjectID: r.PathValue("id"), Owner: req.Owner}
	if err := st.SetOwner(r.Context(), rec); err != nil {
		ownersProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (a *API) deleteOwner(w http.ResponseWriter, r *http.Request) {
	st := a.ownerStore(w)
	if st == nil {
		return
	}
	typ, id := r.PathValue("object"), r.PathValue("id")
	if err := st.DeleteOwner(r.Context(), typ, id); err != nil {
		ownersProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"object": typ, "id": id, "state": "deleted"})
}

// importOwners serves POST /admin/api/owners/import: a JSON-lines body (see
// ownership.ParseJSONL) of at most 10 MiB, imported whole or refused whole.
func (a *API) importOwners(w http.ResponseWriter, r *http.Request) {
	st := a.ownerStore(w)
	if st == nil {
		return
	}
	recs, err := ownership.ParseJSONL(http.MaxBytesReader(w, r.Body, maxImportBody), maxImportRecs)
	var bad *ownership.ImportError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &bad):
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_import", bad.Error()))
		return
	case errors.As(err, &tooBig):
		httperr.Write(w, "", httperr.New(http.StatusRequestEntityTooLarge, "body_too_large",
			"An import body holds at most 10 MiB; split the file."))
		return
	case errors.Is(err, ownership.ErrTooManyRecords):
		httperr.Write(w, "", httperr.New(http.StatusRequestEntityTooLarge, "body_too_large",
			"An import holds at most 500000 records; split the file."))
		return
	case err != nil:
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_body", "The body could not be read.").WithCause(err))
		return
	}
	n, err := st.ImportOwners(r.Context(), recs)
	if err != nil {
		ownersProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"imported": n})
}

// ownersProblem maps ownership store errors to problems.
func ownersProblem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrOwnerNotFound):
		httperr.Write(w, "", httperr.New(http.StatusNotFound, "owner_not_found", "The object has no ownership record."))
	case errors.Is(err, store.ErrInvalidOwnership):
		httperr.Write(w, "", httperr.New(http.StatusBadRequest, "bad_request",
			"Object types, ids and owners take 1 to 512 bytes of UTF-8 without NUL."))
	default:
		httperr.Write(w, "", httperr.New(http.StatusServiceUnavailable, "store_unavailable", "The store does not answer.").WithCause(err))
	}
}
