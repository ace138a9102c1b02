package console

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

// loginData is the sign-in form.
type loginData struct {
	Token string // the form's CSRF token, also in the loginCookie
}

// loginPage shows the sign-in form, with a fresh double-submit token.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.sessions.get(cookieValue(r, cookieName), digest(c.d.Token())) != nil {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, "")
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomToken()
	setCookie(w, r, loginCookie, tok, 600)
	c.render(w, r, nil, status, "login", page{Title: "Sign in", Error: msg, Data: loginData{Token: tok}})
}

// login checks the admin token (in constant time) and opens a session. The
// form must come from this origin and carry the token of its cookie (no login
// CSRF); failures count per client address (no guessing at speed).
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ip := clientIP(r)
	if !sameOrigin(r) || !equal(r.PostFormValue("csrf"), cookieValue(r, loginCookie)) || cookieValue(r, loginCookie) == "" {
		c.fail(w, r, nil, http.StatusForbidden, "Refused: the sign-in form did not come from this console. Reload it and try again.")
		return
	}
	if !c.logins.allowed(ip) {
		c.showLogin(w, r, http.StatusTooManyRequests, "Too many failed sign-ins from your address; wait 15 minutes.")
		return
	}
	want := c.d.Token()
	if want == "" || !equal(r.PostFormValue("token"), want) {
		c.logins.failed(ip)
		c.recordDenied(r)
		c.showLogin(w, r, http.StatusUnauthorized, "That is not the admin token.")
		return
	}
	op := operatorName(r.PostFormValue("operator"))
	id, _ := c.sessions.create(op, digest(want))
	setCookie(w, r, loginCookie, "", -1)
	setCookie(w, r, cookieName, id, 0)
	c.record(r, op, "console.sign_in", "", http.StatusSeeOther)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// recordDenied records a failed sign-in, so that the dashboard's brute-force
// alert sees guesses at the console too.
func (c *Console) recordDenied(r *http.Request) {
	if c.d.Audit == nil {
		return
	}
	c.d.Audit.Record(audit.Event{Time: c.d.Now(), RequestID: "console-login", Route: "console", Method: r.Method,
		Path: r.URL.Path, ClientIP: clientIP(r), Decision: audit.DecisionDeny, Reason: "invalid_credentials", Status: http.StatusUnauthorized})
}

// operatorName keeps a printable name of at most 64 characters; "admin" when empty.
func operatorName(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s))
	if len([]rune(s)) > 64 {
		s = string([]rune(s)[:64])
	}
	if s == "" {
		return "admin"
	}
	return s
}

// logout ends the session on the server and clears its cookie.
func (c *Console) logout(w http.ResponseWriter, r *request) {
	c.sessions.end(r.id)
	setCookie(w, r.Request, cookieName, "", -1)
	c.record(r.Request, r.s.operator, "console.sign_out", "", http.StatusSeeOther)
	http.Redirect(w, r.Request, "/console/login", http.StatusSeeOther)
}
