package oauthserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Cookie names.
const (
	cookieLogin = "bulwark_login"
	cookieCSRF  = "bulwark_csrf"
)

// nextApps is the login form's "next" value that returns to the apps page.
const nextApps = "apps"

// securePage sets the headers of every HTML page: no framing (clickjacking of
// the consent button), no caching, no referrer, no script.
func securePage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// csrf returns the request's CSRF token, setting a new cookie when it has
// none: the double-submit token every form carries.
func (s *Server) csrf(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	v := randomID(32)
	http.SetCookie(w, &http.Cookie{Name: cookieCSRF, Value: v, Path: "/", HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	return v
}

// checkCSRF reports whether the form's token matches the cookie's.
func checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(cookieCSRF)
	f := r.PostForm.Get("csrf")
	return err == nil && len(c.Value) >= 32 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(f)) == 1
}

// user returns the signed-in user, or nil.
func (s *Server) user(r *http.Request) *store.OAuthUser {
	c, err := r.Cookie(cookieLogin)
	if err != nil || c.Value == "" {
		return nil
	}
	h := sha256.Sum256([]byte(c.Value))
	id, err := s.st.OAuthLogin(r.Context(), h[:], s.opts.Now())
	if err != nil {
		return nil
	}
	u, err := s.st.OAuthUser(r.Context(), id)
	if err != nil || !u.DisabledAt.IsZero() {
		return nil
	}
	return u
}

// --- authorize ---

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	w = &issWriter{ResponseWriter: w, iss: s.opts.Issuer}
	ctx := r.Context()
	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		// fosite redirects only to a validated redirect URI; otherwise JSON.
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	q := r.URL.Query()
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrInvalidRequest.WithHint("PKCE with code_challenge_method S256 is required."))
		return
	}
	if m := q.Get("response_mode"); m != "" && m != "query" {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrUnsupportedResponseMode.WithHint("Only response_mode query is supported."))
		return
	}
	prompts := strings.Fields(q.Get("prompt"))
	u := s.user(r)
	if u == nil || slices.Contains(prompts, "login") && r.Method == http.MethodGet && q.Get("bulwark_reauth") == "" {
		if slices.Contains(prompts, "none") {
			s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrLoginRequired)
			return
		}
		s.renderLogin(w, r, r.URL.RawQuery, "", http.StatusOK)
		return
	}
	c := ar.GetClient().(*client).c
	asked := ar.GetRequestedScopes()
	grant, err := s.st.OAuthGrantFor(ctx, u.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrOAuthNotFound) {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	covered := grant != nil && !slices.ContainsFunc(asked, func(sc string) bool { return !slices.Contains(grant.Scopes, sc) })
	if (covered || c.FirstParty) && !slices.Contains(prompts, "consent") {
		s.finish(w, r, ar, u, asked)
		return
	}
	if slices.Contains(prompts, "none") {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrConsentRequired)
		return
	}
	s.renderConsent(w, r, c, asked)
}

// finish records the grant and redirects with the code.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, u *store.OAuthUser, scopes []string) {
	ctx := r.Context()
	c := ar.GetClient().(*client).c
	g := &store.OAuthGrant{ID: randomID(16), UserID: u.ID, ClientID: c.ID, Scopes: scopes, CreatedAt: s.opts.Now()}
	if err := s.st.SaveOAuthGrant(ctx, g); err != nil {
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	for _, sc := range scopes {
		ar.GrantScope(sc)
	}
	sess := newSession()
	sess.Subject, sess.Username = u.ID, u.Username
	sess.JWTClaims.Subject = u.ID
	sess.JWTClaims.Extra[claimClientID] = c.ID
	sess.JWTClaims.Extra[claimGrant] = g.ID
	sess.JWTClaims.Extra[claimFamily] = ar.GetID()
	resp, err := s.provider.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		if rfc := fosite.ErrorToRFC6749Error(err); rfc.CodeField >= 500 {
			s.log.Error("oauth: authorization failed", "error", err, "debug", rfc.DebugField)
		}
		s.provider.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// authorizeRequest re-parses the authorization request a form carried (its
// query string): the only place a form's redirect can lead, and fosite
// validates it again, so no form value is ever an open redirect.
func (s *Server) authorizeRequest(r *http.Request, query string) (fosite.AuthorizeRequester, *http.Request, error) {
	u := *r.URL
	u.Path, u.RawQuery = PathAuthorize, query
	r2 := r.Clone(r.Context())
	r2.Method, r2.URL, r2.Form, r2.PostForm, r2.Body = http.MethodGet, &u, nil, nil, http.NoBody
	ar, err := s.provider.NewAuthorizeRequest(r.Context(), r2)
	return ar, r2, err
}

// --- login ---

type loginPage struct {
	CSRF, Query, Next, Error, Username string
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, query, errMsg string, status int) {
	next := ""
	if query == "" {
		next = nextApps
	}
	p := loginPage{CSRF: s.csrf(w, r), Query: query, Next: next, Error: errMsg, Username: r.PostFormValue("username")}
	securePage(w)
	w.WriteHeader(status)
	_ = pageTemplates.ExecuteTemplate(w, "login", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.pageError(w, r, http.StatusForbidden, "The form expired. Go back and try again.")
		return
	}
	query, next := r.PostForm.Get("query"), r.PostForm.Get("next")
	if next != nextApps {
		if _, _, err := s.authorizeRequest(r, query); err != nil {
			s.pageError(w, r, http.StatusBadRequest, "This sign-in link is not valid.")
			return
		}
	}
	name := strings.TrimSpace(r.PostForm.Get("username"))
	a, ok := s.admitLogin(w, r, query, name)
	if !ok {
		return
	}
	u, err := s.st.OAuthUserByName(ctx, name)
	if err != nil && !errors.Is(err, store.ErrOAuthNotFound) {
		// The store failed: refuse without counting a failure (an outage
		// must not lock users out) and without calling it a wrong password.
		s.guard.Settle(a, bruteforce.Released)
		s.log.Error("sign-in: user lookup", "error", err)
		s.pageError(w, r, http.StatusServiceUnavailable, "Signing in is not possible right now.")
		return
	}
	ok = false
	if err == nil && u.DisabledAt.IsZero() {
		ok = checkPassword(u.PasswordHash, r.PostForm.Get("password"))
	} else {
		checkPassword(dummyHash(), r.PostForm.Get("password")) // same time for unknown users
	}
	if ok && u.TOTP {
		// The second factor: the same answer as a wrong password, so the
		// page never confirms a password to someone without the code.
		if ok, err = s.checkTOTP(ctx, u, strings.TrimSpace(r.PostForm.Get("code"))); err != nil {
			s.guard.Settle(a, bruteforce.Released)
			s.log.Error("sign-in: one-time code", "error", err)
			s.pageError(w, r, http.StatusServiceUnavailable, "Signing in is not possible right now.")
			return
		}
	}
	if !ok {
		// Counted before the answer leaves, so the next attempt sees it.
		s.guard.Settle(a, bruteforce.Failed)
		s.renderLogin(w, r, query, "Wrong username or password, or a wrong one-time code.", http.StatusUnauthorized)
		return
	}
	// A success forgets the username's failures; the client IP's run out
	// with their window (one valid account must not wipe an IP's guesses).
	s.guard.Settle(a, bruteforce.Succeeded)
	id := randomID(32)
	h := sha256.Sum256([]byte(id))
	now := s.opts.Now()
	if err := s.st.CreateOAuthLogin(ctx, h[:], u.ID, now, now.Add(s.opts.LoginTTL)); err != nil {
		s.pageError(w, r, http.StatusServiceUnavailable, "Signing in is not possible right now.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLogin, Value: id, Path: "/", HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode, Expires: now.Add(s.opts.LoginTTL)})
	if next == nextApps {
		http.Redirect(w, r, PathApps, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, PathAuthorize+"?"+withReauth(query), http.StatusSeeOther)
}

// withReauth marks a request that just signed in, so prompt=login does not
// ask again.
func withReauth(query string) string {
	v, _ := url.ParseQuery(query)
	if slices.Contains(strings.Fields(v.Get("prompt")), "login") {
		v.Set("bulwark_reauth", "1")
	}
	return v.Encode()
}

// admitLogin asks the brute-force guard whether a sign-in as name from this
// client may be checked. When not, it has answered: 429 on the login page
// with Retry-After when the username or the client is locked out (or other
// attempts for it are still being checked), 503 when the guard's backend
// cannot answer (fail closed: never an unchecked guess), 400 for a username
// with control or invisible characters. A refusal says nothing about whether
// the username exists. When admitted, the attempt may have waited its
// progressive delay and must be settled.
func (s *Server) admitLogin(w http.ResponseWriter, r *http.Request, query, name string) (*bruteforce.Attempt, bool) {
	lg := bruteforce.Login{IP: clientIP(r)}
	switch c, err := s.guard.Canonical(name); {
	case errors.Is(err, bruteforce.ErrNoUsername):
		// No account has an empty name: nothing to guess, nothing to check.
		s.renderLogin(w, r, query, "Wrong username or password, or a wrong one-time code.", http.StatusUnauthorized)
		return nil, false
	case err != nil: // control or invisible characters: never checked
		s.renderLogin(w, r, query, "Wrong username or password, or a wrong one-time code.", http.StatusBadRequest)
		return nil, false
	default:
		lg.Username = c
	}
	a, p := s.guard.Admit(r.Context(), lg)
	if p == nil {
		s.guardDown.OK(r.Context())
		return a, true
	}
	for _, v := range p.Header.Values("Retry-After") {
		w.Header().Set("Retry-After", v)
	}
	switch p.Code {
	case "login_locked", "login_busy":
		s.renderLogin(w, r, query, "Too many failed sign-ins. Try again later.", http.StatusTooManyRequests)
	case "client_closed": // nobody is listening any more
	default: // the backend cannot answer: fail closed
		s.guardDown.Fail(r.Context(), p.Cause)
		s.pageError(w, r, p.Status, "Signing in is not possible right now.")
	}
	return nil, false
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.pageError(w, r, http.StatusForbidden, "The form expired. Go back and try again.")
		return
	}
	if c, err := r.Cookie(cookieLogin); err == nil {
		h := sha256.Sum256([]byte(c.Value))
		_ = s.st.DeleteOAuthLogin(r.Context(), h[:])
	}
	http.SetCookie(w, &http.Cookie{Name: cookieLogin, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.SecureCookies})
	http.Redirect(w, r, PathApps, http.StatusSeeOther)
}

// --- consent ---

type scopeView struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Categories  []string `json:"data_categories,omitempty"`
}

type consentPage struct {
	CSRF, Query, App, Site string
	Scopes                 []scopeView
	Categories             []string
}

func (s *Server) describe(scopes []string) ([]scopeView, []string) {
	var views []scopeView
	var cats []string
	for _, name := range scopes {
		sc, ok := s.scopes[name]
		if !ok {
			sc = Scope{Name: name, Description: name}
		}
		views = append(views, scopeView{Name: name, Description: sc.Description, Categories: sc.Categories})
		for _, c := range sc.Categories {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	return views, cats
}

func (s *Server) renderConsent(w http.ResponseWriter, r *http.Request, c *store.OAuthClient, scopes []string) {
	views, cats := s.describe(scopes)
	p := consentPage{CSRF: s.csrf(w, r), Query: r.URL.RawQuery, App: c.Name, Site: c.Site, Scopes: views, Categories: cats}
	securePage(w)
	_ = pageTemplates.ExecuteTemplate(w, "consent", p)
}

func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.pageError(w, r, http.StatusForbidden, "The form expired. Go back and try again.")
		return
	}
	ar, r2, err := s.authorizeRequest(r, r.PostForm.Get("query"))
	if err != nil {
		s.pageError(w, r, http.StatusBadRequest, "This authorization request is not valid.")
		return
	}
	iw := &issWriter{ResponseWriter: w, iss: s.opts.Issuer}
	u := s.user(r)
	if u == nil {
		s.renderLogin(w, r2, r2.URL.RawQuery, "Your sign-in expired. Sign in again.", http.StatusUnauthorized)
		return
	}
	if r.PostForm.Get("decision") != "approve" {
		s.provider.WriteAuthorizeError(ctx, iw, ar, fosite.ErrAccessDenied.WithHint("The user denied the request."))
		return
	}
	s.finish(iw, r2, ar, u, ar.GetRequestedScopes())
}

// --- connected apps ---

// App is one connected app as the apps page and API show it.
type App struct {
	GrantID    string      `json:"grant_id"`
	ClientID   string      `json:"client_id"`
	Name       string      `json:"name"`
	Site       string      `json:"site,omitempty"`
	Scopes     []scopeView `json:"scopes"`
	Categories []string    `json:"data_categories"`
	GrantedAt  time.Time   `json:"granted_at"`
	LastUsedAt time.Time   `json:"last_used_at,omitzero"`
	// ReadLately are the data categories of the gateway routes the user's
	// tokens were answered on within the activity window, as far as this
	// app's grant allows those routes (see readsFor).
	ReadLately []CategoryRead `json:"read_lately"`
}

// CategoryRead is a data category and when it was last read.
type CategoryRead struct {
	Category string    `json:"category"`
	LastRead time.Time `json:"last_read_at"`
}

// Apps lists the user's connected apps.
func (s *Server) Apps(ctx context.Context, userID string) ([]App, error) {
	grants, err := s.st.OAuthGrants(ctx, userID)
	if err != nil {
		return nil, err
	}
	var uses []store.OAuthRouteUse
	if len(s.opts.Reads) > 0 && len(grants) > 0 {
		if uses, err = s.st.OAuthRouteUses(ctx, userID, s.opts.Now().Add(-s.opts.ActivityWindow)); err != nil {
			return nil, err
		}
	}
	out := make([]App, 0, len(grants))
	for _, g := range grants {
		c, err := s.st.OAuthClient(ctx, g.ClientID)
		if err != nil || !c.RevokedAt.IsZero() {
			continue
		}
		views, cats := s.describe(g.Scopes)
		out = append(out, App{GrantID: g.ID, ClientID: c.ID, Name: c.Name, Site: c.Site, Scopes: views,
			Categories: cats, GrantedAt: g.CreatedAt, LastUsedAt: g.LastUsedAt, ReadLately: s.readsFor(g, uses)})
	}
	return out, nil
}

// readsFor returns the categories read on uses that g's scopes allow: a
// route counts for an app when the grant holds every scope the route
// requires, and a category when one of the grant's scopes names it. The
// audit trail records the user, not the app, so two apps of one user that
// hold the same scopes are each shown what either read.
func (s *Server) readsFor(g *store.OAuthGrant, uses []store.OAuthRouteUse) []CategoryRead {
	out := []CategoryRead{}
	if len(uses) == 0 {
		return out
	}
	_, granted := s.describe(g.Scopes)
	for _, u := range uses {
		if g.CreatedAt.After(u.Last.Add(time.Minute)) {
			continue // read before this grant existed
		}
		for _, rr := range s.opts.Reads {
			if rr.API != u.API || rr.Route != u.Route || slices.ContainsFunc(rr.Scopes, func(sc string) bool { return !slices.Contains(g.Scopes, sc) }) {
				continue
			}
			for _, c := range rr.Categories {
				if !slices.Contains(granted, c) {
					continue
				}
				i := slices.IndexFunc(out, func(cr CategoryRead) bool { return cr.Category == c })
				switch {
				case i < 0:
					out = append(out, CategoryRead{Category: c, LastRead: u.Last})
				case u.Last.After(out[i].LastRead):
					out[i].LastRead = u.Last
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b CategoryRead) int { return strings.Compare(a.Category, b.Category) })
	return out
}

type appsPage struct {
	CSRF, User string
	Apps       []App
}

func (s *Server) appsPage(w http.ResponseWriter, r *http.Request) {
	u := s.user(r)
	if u == nil {
		s.renderLogin(w, r, "", "", http.StatusOK)
		return
	}
	apps, err := s.Apps(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, http.StatusServiceUnavailable, "Your apps cannot be listed right now.")
		return
	}
	securePage(w)
	_ = pageTemplates.ExecuteTemplate(w, "apps", appsPage{CSRF: s.csrf(w, r), User: u.Username, Apps: apps})
}

func (s *Server) appsRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !checkCSRF(r) {
		s.pageError(w, r, http.StatusForbidden, "The form expired. Go back and try again.")
		return
	}
	u := s.user(r)
	if u == nil {
		s.renderLogin(w, r, "", "Your sign-in expired. Sign in again.", http.StatusUnauthorized)
		return
	}
	err := s.revokeGrant(r.Context(), u.ID, r.PostForm.Get("grant"))
	if err != nil && !errors.Is(err, store.ErrOAuthNotFound) {
		s.pageError(w, r, http.StatusServiceUnavailable, "The app could not be disconnected. Try again.")
		return
	}
	http.Redirect(w, r, PathApps, http.StatusSeeOther)
}

// revokeGrant ends the user's grant and every token from it; the gateways of
// this process refuse its access tokens from the next request on, the others
// within a second.
func (s *Server) revokeGrant(ctx context.Context, userID, grantID string) error {
	if err := s.st.RevokeOAuthGrant(ctx, userID, grantID, s.opts.Now()); err != nil {
		return err
	}
	s.local.revoked(store.RevokeGrant, grantID)
	return nil
}

func (s *Server) appsList(w http.ResponseWriter, r *http.Request) {
	u := s.user(r)
	if u == nil {
		writeOAuthError(w, http.StatusUnauthorized, "login_required", "sign in first")
		return
	}
	apps, err := s.Apps(r.Context(), u.ID)
	if err != nil {
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "apps cannot be listed right now")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": apps})
}

// appsDelete revokes a grant. DELETE cannot be sent cross-site by a form, and
// the login cookie is SameSite=Lax, so no CSRF token is needed.
func (s *Server) appsDelete(w http.ResponseWriter, r *http.Request) {
	u := s.user(r)
	if u == nil {
		writeOAuthError(w, http.StatusUnauthorized, "login_required", "sign in first")
		return
	}
	err := s.revokeGrant(r.Context(), u.ID, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrOAuthNotFound):
		writeOAuthError(w, http.StatusNotFound, "not_found", "no such connected app")
	case err != nil:
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the app could not be disconnected")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) pageError(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	securePage(w)
	w.WriteHeader(status)
	_ = pageTemplates.ExecuteTemplate(w, "error", msg)
}

var pageTemplates = template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}label{display:block;margin-top:1rem}input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}button{font-size:1rem;padding:.5rem 1rem;margin:1rem .5rem 0 0}.err{color:#a00}:focus{outline:3px solid #36c}li{margin:.3rem 0}</style></head><body><main>{{end}}
{{define "foot"}}</main></body></html>{{end}}
{{define "login"}}{{template "head" "Sign in"}}<h1>Sign in</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth/login">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="query" value="{{.Query}}"><input type="hidden" name="next" value="{{.Next}}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus value="{{.Username}}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="code">One-time code (only if you turned on two-step sign-in)</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6">
<button type="submit">Sign in</button></form>{{template "foot"}}{{end}}
{{define "consent"}}{{template "head" "Allow access?"}}<h1>Allow {{.App}} to access your account?</h1>
{{if .Site}}<p>{{.App}} is at <a href="{{.Site}}" rel="noopener noreferrer">{{.Site}}</a>.</p>{{end}}
<p>{{.App}} will be able to:</p><ul>{{range .Scopes}}<li>{{.Description}}</li>{{end}}</ul>
{{if .Categories}}<p>It will see these kinds of data: {{range $i, $c := .Categories}}{{if $i}}, {{end}}{{$c}}{{end}}.</p>{{end}}
<p>You can disconnect it at any time on <a href="/account/apps">your connected apps</a> page.</p>
<form method="post" action="/oauth/consent">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="query" value="{{.Query}}">
<button type="submit" name="decision" value="approve" autofocus>Allow</button><button type="submit" name="decision" value="deny">Deny</button></form>{{template "foot"}}{{end}}
{{define "apps"}}{{template "head" "Connected apps"}}<h1>Connected apps</h1><p>Signed in as {{.User}}.</p>
{{if not .Apps}}<p>No app has access to your account.</p>{{end}}
{{range .Apps}}<section aria-label="{{.Name}}"><h2>{{.Name}}</h2>{{if .Site}}<p><a href="{{.Site}}" rel="noopener noreferrer">{{.Site}}</a></p>{{end}}
<p>Can:</p><ul>{{range .Scopes}}<li>{{.Description}}</li>{{end}}</ul>
{{if .Categories}}<p>May see: {{range $i, $c := .Categories}}{{if $i}}, {{end}}{{$c}}{{end}}</p>{{end}}
{{if .ReadLately}}<p>Read lately:</p><ul>{{range .ReadLately}}<li>{{.Category}}, last <time datetime="{{.LastRead.Format "2006-01-02T15:04:05Z07:00"}}">{{.LastRead.Format "2 Jan 2006 15:04 MST"}}</time></li>{{end}}</ul>{{else}}<p>Read nothing lately.</p>{{end}}
<p>Access granted <time datetime="{{.GrantedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.GrantedAt.Format "2 Jan 2006 15:04 MST"}}</time>.
{{if .LastUsedAt.IsZero}}Not used yet.{{else}}Last used <time datetime="{{.LastUsedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.LastUsedAt.Format "2 Jan 2006 15:04 MST"}}</time>.{{end}}</p>
<form method="post" action="/account/apps/revoke"><input type="hidden" name="csrf" value="{{$.CSRF}}"><input type="hidden" name="grant" value="{{.GrantID}}">
<button type="submit">Disconnect {{.Name}}</button></form></section>{{end}}
<form method="post" action="/oauth/logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Sign out</button></form>{{template "foot"}}{{end}}
{{define "error"}}{{template "head" "Error"}}<h1>Something went wrong</h1><p role="alert">{{.}}</p>{{template "foot"}}{{end}}
`))
