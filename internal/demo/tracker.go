package demo

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// The Order Tracker, the demo's third-party app: an OAuth 2.0 client of
// Bulwark's own authorization server. It sends the user to the gateway to
// sign in and consent (authorization code with PKCE S256, through
// golang.org/x/oauth2), exchanges the code it gets back, and reads the
// user's orders through the gateway with the access token. It never sees
// the user's password, and the user can take its access back on the
// gateway's connected-apps page.

// Tracker client registration, as `bulwark demo` registers it.
const (
	TrackerClientID = "order-tracker"
	TrackerName     = "Order Tracker"
	// TrackerScope is the scope it asks for.
	TrackerScope = "orders:read"
	// TrackerOrdersPath is the gateway route it reads.
	TrackerOrdersPath = "/me/orders"
)

// trackerCookie names the app's session cookie (the gateway's cookies are
// bulwark_*: both live on 127.0.0.1, where cookies ignore the port).
const trackerCookie = "tracker_session"

// maxTrackerSessions bounds the app's sessions; past it, all are dropped.
const maxTrackerSessions = 10000

// Tracker is the third-party app. It is safe for concurrent use.
type Tracker struct {
	cfg    oauth2.Config
	issuer string
	api    string // the gateway's base URL
	client *http.Client

	mu       sync.Mutex
	sessions map[string]*trackerSession
}

type trackerSession struct {
	state, verifier string        // of the authorization in flight
	token           *oauth2.Token // once connected
}

// NewTracker returns the app for the gateway at gatewayURL (also the
// authorization server's issuer), itself reachable at appURL, registered as
// TrackerClientID with secret.
func NewTracker(gatewayURL, appURL, secret string) *Tracker {
	gatewayURL = strings.TrimSuffix(gatewayURL, "/")
	return &Tracker{
		cfg: oauth2.Config{
			ClientID: TrackerClientID, ClientSecret: secret,
			RedirectURL: strings.TrimSuffix(appURL, "/") + "/callback",
			Scopes:      []string{TrackerScope},
			Endpoint: oauth2.Endpoint{AuthURL: gatewayURL + "/oauth/authorize", TokenURL: gatewayURL + "/oauth/token",
				AuthStyle: oauth2.AuthStyleInHeader},
		},
		issuer:   gatewayURL,
		api:      gatewayURL,
		client:   &http.Client{Timeout: 10 * time.Second},
		sessions: map[string]*trackerSession{},
	}
}

// Handler serves the app: / (its page), /connect, /callback, and /orders
// (what the page shows, as JSON: the gateway's status and answer).
func (t *Tracker) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", t.home)
	m.HandleFunc("GET /connect", t.connect)
	m.HandleFunc("GET /callback", t.callback)
	m.HandleFunc("GET /orders", t.orders)
	return m
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// session returns the request's session, or nil.
func (t *Tracker) session(r *http.Request) *trackerSession {
	c, err := r.Cookie(trackerCookie)
	if err != nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sessions[c.Value]
}

// connected reports whether s holds a token.
func (t *Tracker) connected(s *trackerSession) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return s != nil && s.token != nil
}

// connect starts an authorization: a fresh session with its state and PKCE
// verifier, and a redirect to the gateway's authorization endpoint.
func (t *Tracker) connect(w http.ResponseWriter, r *http.Request) {
	id := randomHex(32)
	s := &trackerSession{state: randomHex(16), verifier: oauth2.GenerateVerifier()}
	t.mu.Lock()
	if len(t.sessions) >= maxTrackerSessions {
		clear(t.sessions)
	}
	t.sessions[id] = s
	t.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: trackerCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, t.cfg.AuthCodeURL(s.state, oauth2.S256ChallengeOption(s.verifier)), http.StatusFound)
}

// callback finishes it: the state and the issuer (RFC 9207) must match, then
// the code is exchanged with the verifier.
func (t *Tracker) callback(w http.ResponseWriter, r *http.Request) {
	s := t.session(r)
	q := r.URL.Query()
	t.mu.Lock()
	state, verifier := "", ""
	if s != nil {
		state, verifier = s.state, s.verifier
		s.state, s.verifier = "", "" // one use
	}
	t.mu.Unlock()
	switch {
	case state == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
		t.page(w, http.StatusBadRequest, trackerView{Error: "This sign-in did not start here (state mismatch). Connect again."})
		return
	case q.Get("iss") != t.issuer:
		t.page(w, http.StatusBadRequest, trackerView{Error: "The answer did not come from the expected authorization server."})
		return
	case q.Get("error") != "":
		t.page(w, http.StatusOK, trackerView{Error: "Not connected: " + q.Get("error") + "."})
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, t.client)
	tok, err := t.cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.page(w, http.StatusBadGateway, trackerView{Error: "The code could not be exchanged for a token: " + exchangeError(err)})
		return
	}
	t.mu.Lock()
	s.token = tok
	t.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// exchangeError is the OAuth error code of a failed exchange, never a token.
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return re.ErrorCode
	}
	return "the gateway did not answer"
}

// read calls the gateway's orders route with the session's token (refreshed
// when it expired) and returns the gateway's status and answer.
func (t *Tracker) read(ctx context.Context, s *trackerSession) (int, []byte, error) {
	t.mu.Lock()
	tok := s.token
	t.mu.Unlock()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, t.client)
	cur, err := t.cfg.TokenSource(ctx, tok).Token()
	if err != nil {
		return 0, nil, errors.New("the token could not be refreshed: " + exchangeError(err))
	}
	t.mu.Lock()
	s.token = cur
	t.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.api+TrackerOrdersPath, nil)
	if err != nil {
		return 0, nil, err
	}
	cur.SetAuthHeader(req)
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, nil, errors.New("the gateway did not answer")
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// orders answers with what the gateway answered the app: its status and body.
func (t *Tracker) orders(w http.ResponseWriter, r *http.Request) {
	s := t.session(r)
	if !t.connected(s) {
		writeError(w, http.StatusUnauthorized, "not connected: open /connect first")
		return
	}
	status, b, err := t.read(r.Context(), s)
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type trackerView struct {
	Connected bool
	Orders    []order
	Status    int
	Error     string
}

func (t *Tracker) home(w http.ResponseWriter, r *http.Request) {
	s := t.session(r)
	if !t.connected(s) {
		t.page(w, http.StatusOK, trackerView{})
		return
	}
	status, b, err := t.read(r.Context(), s)
	v := trackerView{Connected: true, Status: status}
	var out struct {
		Orders []order `json:"orders"`
	}
	switch {
	case err != nil:
		v.Error = err.Error()
	case status != http.StatusOK:
		v.Error = "The shop refused the app's token (HTTP " + http.StatusText(status) + "): was its access taken back? Connect again."
	case json.Unmarshal(b, &out) != nil:
		v.Error = "The shop's answer was not understood."
	default:
		v.Orders = out.Orders
	}
	t.page(w, http.StatusOK, v)
}

func (t *Tracker) page(w http.ResponseWriter, status int, v trackerView) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = trackerPage.Execute(w, v)
}

var trackerPage = template.Must(template.New("tracker").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>` + TrackerName + `</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}.err{color:#a00}</style></head><body><main>
<h1>` + TrackerName + `</h1><p>A third-party app: it reads your shop orders with a token from the shop's gateway, never with your password.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{if .Orders}}<h2>Your orders</h2><ul>{{range .Orders}}<li>Order {{.ID}}: {{.Status}}</li>{{end}}</ul>{{end}}
<p><a href="/connect">{{if .Connected}}Connect again{{else}}Connect your shop account{{end}}</a></p>
</main></body></html>`))

// Account is a demo user as the authorization server knows it: the shop's
// id and username, and the demo password ("<username>-password").
type Account struct {
	ID       int64
	Username string
	Password string
}

// Users returns the demo users who may sign in at the authorization server:
// alice and bob (the shop's admin is left out).
func Users() []Account {
	var out []Account
	for _, u := range seedUsers {
		if !u.IsAdmin {
			out = append(out, Account{ID: u.ID, Username: u.Username, Password: u.Username + "-password"})
		}
	}
	return out
}
