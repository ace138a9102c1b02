package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/bulwark-gw/bulwark/internal/admin"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// routeGuards is the admin API's route view, shared so the two never differ.
var routeGuards = admin.RouteGuards

// Import bounds, as the admin API's.
const (
	maxImportBody = 10 << 20
	maxImportRecs = 500_000
)

// importOwners imports a JSON-lines file of ownership records (see
// ownership.ParseJSONL), whole or not at all. console.js shows the upload's
// progress; without script the form posts as usual.
func (c *Console) importOwners(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "Ownership records") {
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		c.showOwners(w, r, http.StatusBadRequest, "", "Choose a JSON-lines file to import.")
		return
	}
	defer f.Close()
	recs, err := ownership.ParseJSONL(f, maxImportRecs)
	var bad *ownership.ImportError
	switch {
	case errors.As(err, &bad):
		c.showOwners(w, r, http.StatusBadRequest, "", "Nothing imported: "+bad.Error())
		return
	case errors.Is(err, ownership.ErrTooManyRecords):
		c.showOwners(w, r, http.StatusRequestEntityTooLarge, "", "Nothing imported: a file holds at most 500000 records.")
		return
	case err != nil:
		c.showOwners(w, r, http.StatusBadRequest, "", "Nothing imported: the file could not be read.")
		return
	}
	n, err := c.d.Store.ImportOwners(r.Context(), recs)
	if errors.Is(err, store.ErrInvalidOwnership) {
		c.showOwners(w, r, http.StatusBadRequest, "", "Nothing imported: object types, ids and owners take 1 to 512 bytes.")
		return
	}
	if err != nil {
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "owners.import", fmt.Sprintf("records:%d", n), http.StatusOK)
	c.showOwners(w, r, http.StatusOK, fmt.Sprintf("Imported %d ownership records.", n), "")
}

// quotasData is the quotas page: every quota of the config, and the usage of
// the one chosen.
type quotasData struct {
	IDs    []string
	Quota  string
	Prefix string
	Usage  []store.QuotaUsage
}

func (c *Console) quotaIDs() []string {
	var ids []string
	for _, api := range c.d.Gateway.Plan().APIs {
		for _, rt := range api.Routes {
			if rt.Quota != nil && !slices.Contains(ids, rt.Quota.ID) {
				ids = append(ids, rt.Quota.ID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

func (c *Console) quotas(w http.ResponseWriter, r *request) {
	c.showQuotas(w, r, http.StatusOK, "", "")
}

func (c *Console) showQuotas(w http.ResponseWriter, r *request, status int, notice, bad string) {
	q := r.URL.Query()
	d := quotasData{IDs: c.quotaIDs(), Quota: q.Get("quota"), Prefix: q.Get("prefix")}
	if d.Quota == "" && len(d.IDs) > 0 {
		d.Quota = d.IDs[0]
	}
	if qs := c.d.Gateway.Quota(d.Quota); qs != nil {
		usage, err := qs.List(r.Context(), d.Prefix)
		if err != nil {
			c.storeDown(w, r, err)
			return
		}
		d.Usage = usage
	}
	c.render(w, r.Request, r.s, status, "quotas", page{Title: "Quotas", Notice: notice, Error: bad, Data: d})
}

func (c *Console) resetQuota(w http.ResponseWriter, r *request) {
	id, key := r.PostFormValue("quota"), r.PostFormValue("key")
	qs := c.d.Gateway.Quota(id)
	if qs == nil || key == "" {
		c.showQuotas(w, r, http.StatusNotFound, "", "No such quota or key.")
		return
	}
	if err := qs.Reset(r.Context(), key); err != nil {
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "quotas.reset", "quota:"+key, http.StatusOK)
	r.URL.RawQuery = url.Values{"quota": {id}}.Encode()
	c.showQuotas(w, r, http.StatusOK, "Reset "+key+".", "")
}

// oauthData is the OAuth page: clients, and the grants of one user.
type oauthData struct {
	Clients []*store.OAuthClient
	User    string
	UserID  string
	Grants  []*store.OAuthGrant
	NoUser  bool
}

func (c *Console) oauth(w http.ResponseWriter, r *request) {
	c.showOAuth(w, r, http.StatusOK, "", "")
}

func (c *Console) showOAuth(w http.ResponseWriter, r *request, status int, notice, bad string) {
	if c.noStore(w, r, "OAuth clients and grants") {
		return
	}
	d := oauthData{User: r.URL.Query().Get("user")}
	var err error
	if d.Clients, err = c.d.Store.OAuthClients(r.Context()); err != nil {
		c.storeDown(w, r, err)
		return
	}
	if d.User != "" {
		u, err := c.d.Store.OAuthUserByName(r.Context(), d.User)
		switch {
		case errors.Is(err, store.ErrOAuthNotFound):
			d.NoUser = true
		case err != nil:
			c.storeDown(w, r, err)
			return
		default:
			d.UserID = u.ID
			if d.Grants, err = c.d.Store.OAuthGrants(r.Context(), u.ID); err != nil {
				c.storeDown(w, r, err)
				return
			}
		}
	}
	c.render(w, r.Request, r.s, status, "oauth", page{Title: "OAuth clients and grants", Notice: notice, Error: bad, Data: d})
}

func (c *Console) revokeClient(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "OAuth clients") {
		return
	}
	id := r.PathValue("id")
	err := c.d.Store.RevokeOAuthClient(r.Context(), id, c.d.Now())
	switch {
	case errors.Is(err, store.ErrOAuthNotFound):
		c.showOAuth(w, r, http.StatusNotFound, "", "No such active client.")
		return
	case err != nil:
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "oauth.client_revoke", "oauth_client:"+id, http.StatusOK)
	c.showOAuth(w, r, http.StatusOK, "Client "+id+" is revoked; its tokens end with it.", "")
}

func (c *Console) revokeGrant(w http.ResponseWriter, r *request) {
	if c.noStore(w, r, "OAuth grants") {
		return
	}
	id, user := r.PathValue("id"), r.PostFormValue("user_id")
	err := c.d.Store.RevokeOAuthGrant(r.Context(), user, id, c.d.Now())
	switch {
	case errors.Is(err, store.ErrOAuthNotFound):
		c.showOAuth(w, r, http.StatusNotFound, "", "No such active grant.")
		return
	case err != nil:
		c.storeDown(w, r, err)
		return
	}
	c.record(r.Request, r.s.operator, "oauth.grant_revoke", "oauth_grant:"+id, http.StatusOK)
	c.showOAuth(w, r, http.StatusOK, "Grant "+id+" is revoked.", "")
}
