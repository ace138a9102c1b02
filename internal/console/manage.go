package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// revokeSettle is how long a key revocation waits before the console says it
// is done: two of the gateways' key-event poll intervals, so that when the
// page reports "revoked", this node (and every node polling the same store)
// already refuses the key.
const revokeSettle = 2*apikey.DefaultPollInterval + 100*time.Millisecond

// keyView is a key as the keys page lists it.
type keyView struct {
	*store.APIKey
	State string
}

type keysData struct {
	Keys     []keyView
	Consumer string
	All      bool
}

// manager returns the key manager of the running config, or renders why none.
func (c *Console) manager(w http.ResponseWriter, r *request) *apikey.Manager {
	if c.noStore(w, r, "API keys") {
		return nil
	}
	ak := c.d.Gateway.Plan().Identity.APIKeys
	if ak == nil {
		c.fail(w, r.Request, r.s, http.StatusNotFound, "API keys are not configured (identity.api_keys).")
		return nil
	}
	m, err := apikey.NewManager(c.d.Store, []byte(ak.Pepper), c.d.Now)
	if err != nil {
		c.storeDown(w, r, err)
		return nil
	}
	return m
}

func (c *Console) keys(w http.ResponseWriter, r *request) {
	c.showKeys(w, r, http.StatusOK, "", "")
}

func (c *Console) showKeys(w http.ResponseWriter, r *request, status int, notice, bad string) {
	m := c.manager(w, r)
	if m == nil {
		return
	}
	q := r.URL.Query()
	d := keysData{Consumer: q.Get("consumer"), All: q.Get("all") == "on"}
	keys, err := m.List(r.Context(), store.KeyFilter{Consumer: d.Consumer, IncludeRevoked: d.All, Limit: store.MaxKeyLimit})
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	now := c.d.Now()
	for _, k := range keys {
		d.Keys = append(d.Keys, keyView{k, k.State(now)})
	}
	c.render(w, r.Request, r.s, status, "keys", page{Title: "API keys", Notice: notice, Error: bad, Data: d})
}

// secretData is the page that shows a new key once.
type secretData struct {
	Key     *store.APIKey
	Secret  string
	Rotated string // the old key's id, for a rotation
	Overlap string
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func (c *Console) createKey(w http.ResponseWriter, r *request) {
	m := c.manager(w, r)
	if m == nil {
		return
	}
	req := apikey.CreateRequest{Consumer: r.PostFormValue("consumer"), Subject: r.PostFormValue("subject"),
		Scopes: splitList(r.PostFormValue("scopes")), Roles: splitList(r.PostFormValue("roles"))}
	if s := r.PostFormValue("expires"); s != "" {
		d, err := config.ParseDuration(s)
		if err != nil || d <= 0 {
			c.showKeys(w, r, http.StatusBadRequest, "", "Expires takes a duration like 90d or 12h.")
			return
		}
		req.ExpiresIn = d
	}
	plain, key, err := m.Create(r.Context(), req)
	if errors.Is(err, apikey.ErrInvalidRequest) {
		c.showKeys(w, r, http.StatusBadRequest, "", err.Error())
		return
	}
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "keys.create", "api_key:"+key.ID, http.StatusCreated)
	c.render(w, r.Request, r.s, http.StatusCreated, "key_secret", page{Title: "New API key", Nav: "keys",
		Data: secretData{Key: key, Secret: plain}})
}

func (c *Console) rotateKey(w http.ResponseWriter, r *request) {
	m := c.manager(w, r)
	if m == nil {
		return
	}
	overlap, err := config.ParseDuration(r.PostFormValue("overlap"))
	if err != nil || overlap < 0 {
		c.showKeys(w, r, http.StatusBadRequest, "", "Overlap takes a duration like 24h.")
		return
	}
	id := r.PathValue("id")
	plain, key, err := m.Rotate(r.Context(), id, overlap)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.showKeys(w, r, http.StatusNotFound, "", "No such key.")
		return
	case errors.Is(err, apikey.ErrInvalidRequest):
		c.showKeys(w, r, http.StatusConflict, "", "The key is revoked or already rotated.")
		return
	case err != nil:
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "keys.rotate", "api_key:"+id, http.StatusCreated)
	c.render(w, r.Request, r.s, http.StatusCreated, "key_secret", page{Title: "Rotated API key", Nav: "keys",
		Data: secretData{Key: key, Secret: plain, Rotated: id, Overlap: overlap.String()}})
}

func (c *Console) revokeKey(w http.ResponseWriter, r *request) {
	m := c.manager(w, r)
	if m == nil {
		return
	}
	id := r.PathValue("id")
	err := m.Revoke(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrKeyRevoked):
		c.showKeys(w, r, http.StatusNotFound, "", "No such active key.")
		return
	case err != nil:
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "keys.revoke", "api_key:"+id, http.StatusOK)
	select {
	case <-time.After(revokeSettle):
	case <-r.Context().Done():
	}
	c.showKeys(w, r, http.StatusOK, "Key "+id+" is revoked.", "")
}

// ownersData is the ownership page.
type ownersData struct {
	Object, Owner string
	Records       []store.OwnershipRecord
	Next          string
}

const ownersPage = 100

func (c *Console) owners(w http.ResponseWriter, r *request) {
	c.showOwners(w, r, http.StatusOK, "", "")
}

func (c *Console) showOwners(w http.ResponseWriter, r *request, status int, notice, bad string) {
	if c.noStore(w, r, "Ownership records") {
		return
	}
	q := r.URL.Query()
	d := ownersData{Object: q.Get("object"), Owner: q.Get("owner")}
	recs, err := c.d.Store.ListOwners(r.Context(), store.OwnerFilter{ObjectType: d.Object, Owner: d.Owner, Limit: ownersPage,
		AfterType: q.Get("after_object"), AfterID: q.Get("after_id")})
	if err != nil && !errors.Is(err, store.ErrInvalidOwnership) {
		c.storeDown(w, r, err)
		return
	}
	d.Records = recs
	if len(recs) == ownersPage {
		last := recs[len(recs)-1]
		d.Next = url.Values{"object": {d.Object}, "owner": {d.Owner}, "after_object": {last.ObjectType}, "after_id": {last.ObjectID}}.Encode()
	}
	c.render(w, r.Request, r.s, status, "owners", page{Title: "Ownership", Notice: notice, Error: bad, Data: d})
}

func (c *Console) deleteOwner(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "Ownership records") {
		return
	}
	typ, id := r.PostFormValue("object"), r.PostFormValue("id")
	err := c.d.Store.DeleteOwner(r.Context(), typ, id)
	switch {
	case errors.Is(err, store.ErrOwnerNotFound), errors.Is(err, store.ErrInvalidOwnership):
		c.showOwners(w, r, http.StatusNotFound, "", "No such ownership record.")
		return
	case err != nil:
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "owners.delete", typ+":"+id, http.StatusOK)
	c.showOwners(w, r, http.StatusOK, "Deleted the owner of "+typ+" "+id+".", "")
}

// routeRow is one route of the "what protects this route?" table.
type routeRow struct {
	API, Name, Host, Path string
	Methods               []string
	Guards                []guardRow
}

type guardRow struct{ Guard, Mode, Detail string }

func (c *Console) routeTable(w http.ResponseWriter, r *request) {
	var rows []routeRow
	for _, api := range c.d.Gateway.Plan().APIs {
		for _, rt := range api.Routes {
			row := routeRow{API: api.Name, Name: rt.Name, Host: rt.Host, Path: rt.Path, Methods: rt.Methods}
			for _, g := range routeGuards(api, rt) {
				row.Guards = append(row.Guards, guardRow{g.Guard, g.Mode, g.Detail})
			}
			rows = append(rows, row)
		}
	}
	c.render(w, r.Request, r.s, http.StatusOK, "routes", page{Title: "What protects each route", Data: rows})
}
