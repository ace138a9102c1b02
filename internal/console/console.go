package console

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/gateway"
	"github.com/bulwark-gw/bulwark/internal/store"
)

//go:embed templates static
var assets embed.FS

// csp allows nothing inline: scripts, styles and images come from the console
// itself, forms post only to it, and no other site may frame it.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Deps are what the console reads and changes.
type Deps struct {
	Gateway *gateway.Gateway
	Store   *store.Store    // nil: the pages that need a store say so
	Audit   *audit.Recorder // operator actions are recorded here; nil records nothing
	Token   func() string   // the current admin token (follows reloads)
	Logger  *slog.Logger
	Now     func() time.Time // default time.Now
}

// Console is the admin console's HTTP handler, mounted at /console on the
// admin listener.
type Console struct {
	d        Deps
	mux      *http.ServeMux
	pages    map[string]*template.Template
	static   http.Handler
	sessions *sessions
	logins   *loginLimiter
}

// New returns the console.
func New(d Deps) (*Console, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{d: d, mux: http.NewServeMux(), sessions: newSessions(d.Now), logins: newLoginLimiter(d.Now)}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static: %w", err)
	}
	c.static = http.StripPrefix("/console/static/", http.FileServerFS(sub))
	c.routes()
	return c, nil
}

// pageNames are the templates, each rendered inside layout.html.
var pageNames = []string{"login", "dashboard", "audit", "event", "keys", "key_secret", "owners", "quotas", "oauth", "routes", "error"}

func (c *Console) parseTemplates() error {
	funcs := template.FuncMap{
		"fmtTime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"join":  strings.Join,
		"num":   formatCount,
		"class": threatClass,
		"split": strings.Fields,
	}
	c.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("console: template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /console/static/", c.static)
	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/login", c.loginPage)
	m.HandleFunc("POST /console/login", c.login)
	m.Handle("POST /console/logout", c.change(c.logout))
	m.Handle("GET /console/{$}", c.view(c.dashboard))
	m.Handle("GET /console/audit", c.view(c.auditSearch))
	m.Handle("GET /console/audit/export", c.view(c.auditExport))
	m.Handle("GET /console/audit/{id}", c.view(c.auditEvent))
	m.Handle("GET /console/keys", c.view(c.keys))
	m.Handle("POST /console/keys", c.change(c.createKey))
	m.Handle("POST /console/keys/{id}/rotate", c.change(c.rotateKey))
	m.Handle("POST /console/keys/{id}/revoke", c.change(c.revokeKey))
	m.Handle("GET /console/owners", c.view(c.owners))
	m.Handle("POST /console/owners/import", c.change(c.importOwners))
	m.Handle("POST /console/owners/delete", c.change(c.deleteOwner))
	m.Handle("GET /console/quotas", c.view(c.quotas))
	m.Handle("POST /console/quotas/reset", c.change(c.resetQuota))
	m.Handle("GET /console/oauth", c.view(c.oauth))
	m.Handle("POST /console/oauth/clients/{id}/revoke", c.change(c.revokeClient))
	m.Handle("POST /console/oauth/grants/{id}/revoke", c.change(c.revokeGrant))
	m.Handle("GET /console/routes", c.view(c.routeTable))
	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, http.StatusNotFound, "No such page.")
	})
}

// ServeHTTP serves every /console request with the security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer a browser sends
	// "Origin: null" on the console's own POSTs, which sameOrigin refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.mux.ServeHTTP(w, r)
}

// request is what a handler gets: the operator's session and the request.
type request struct {
	*http.Request
	s  *session
	id string // the session cookie's value
}

// view wraps a page that needs a session: without one, it sends the browser
// to sign in.
func (c *Console) view(h func(http.ResponseWriter, *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := cookieValue(r, cookieName)
		s := c.sessions.get(id, digest(c.d.Token()))
		if s == nil {
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		h(w, &request{Request: r, s: s, id: id})
	})
}

// change wraps a state-changing POST: it needs a session, a same-origin
// request and the session's CSRF token in the form field "csrf".
func (c *Console) change(h func(http.ResponseWriter, *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := cookieValue(r, cookieName)
		s := c.sessions.get(id, digest(c.d.Token()))
		if s == nil {
			c.fail(w, r, nil, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		if !sameOrigin(r) {
			c.fail(w, r, nil, http.StatusForbidden, "Refused: the request came from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxImportBody+64<<10)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				c.fail(w, r, s, http.StatusBadRequest, "The form could not be read (an import file holds at most 10 MiB).")
				return
			}
		}
		if !equal(r.PostFormValue("csrf"), s.csrf) {
			c.fail(w, r, nil, http.StatusForbidden, "Refused: the form carries no valid CSRF token. Reload the page and try again.")
			return
		}
		h(w, &request{Request: r, s: s, id: id})
	})
}

// page is what every template gets.
type page struct {
	Title    string
	Nav      string
	CSRF     string
	Operator string
	Notice   string
	Error    string
	Data     any
}

// render writes the page template name with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, name string, p page) {
	if s != nil {
		p.CSRF, p.Operator = s.csrf, s.operator
	}
	if p.Nav == "" {
		p.Nav = name
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, p); err != nil {
		c.d.Logger.Error("console: render", "page", name, "error", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail renders an error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	c.render(w, r, s, status, "error", page{Title: http.StatusText(status), Error: msg})
}

// storeDown renders the page for a store that did not answer; the cause goes
// to the diagnostic log only.
func (c *Console) storeDown(w http.ResponseWriter, r *request, err error) {
	c.d.Logger.Error("console: store", "path", r.URL.Path, "error", err)
	c.fail(w, r.Request, r.s, http.StatusServiceUnavailable, "The store does not answer; try again shortly.")
}

// noStore renders the page for a feature that needs a store.
func (c *Console) noStore(w http.ResponseWriter, r *request, what string) bool {
	if c.d.Store != nil {
		return false
	}
	c.fail(w, r.Request, r.s, http.StatusNotFound, what+" need a store (store: in the config).")
	return true
}

// record writes an operator's action as an audit event: decision admin,
// reason admin_action, principal "console:<operator>", rule the action,
// object what it changed. Secrets and bodies are never recorded.
func (c *Console) record(r *http.Request, operator, action, object string, status int) {
	if c.d.Audit == nil {
		return
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	c.d.Audit.Record(audit.Event{Time: c.d.Now(), RequestID: "console-" + hex.EncodeToString(id), Route: "console",
		Method: r.Method, Path: r.URL.Path, ClientIP: clientIP(r), Principal: "console:" + operator,
		Decision: audit.DecisionAdmin, Reason: "admin_action", Status: status, Rule: action, Object: object})
}

// clientIP is the peer address: the admin listener trusts no proxy header.
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// formatCount writes n with thin thousands separators.
func formatCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}
