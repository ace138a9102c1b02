package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Session bounds (docs/console.md).
const (
	IdleTimeout     = 30 * time.Minute // a session unused this long ends
	AbsoluteTimeout = 12 * time.Hour   // a session ends this long after sign-in, used or not
	MaxSessions     = 1000             // past it, the least recently used session ends
	cookieName      = "bulwark_console"
	loginCookie     = "bulwark_console_login" // the sign-in form's CSRF token (double submit)
)

// session is one signed-in operator. The cookie holds a random id; the server
// keeps only its SHA-256, so a memory dump of sessions cannot be replayed.
type session struct {
	csrf     string   // every form's token, compared in constant time
	operator string   // the name the operator gave at sign-in (recorded in audit events)
	tokenFP  [32]byte // digest of the admin token that opened it: a new token ends it
	created  time.Time
	seen     time.Time
}

// sessions is the server-side session table.
type sessions struct {
	mu  sync.Mutex
	m   map[[32]byte]*session
	now func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{m: map[[32]byte]*session{}, now: now}
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and returns its cookie value.
func (s *sessions) create(operator string, tokenFP [32]byte) (string, *session) {
	id := randomToken()
	now := s.now()
	ss := &session{csrf: randomToken(), operator: operator, tokenFP: tokenFP, created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= MaxSessions {
		s.evictLocked(now)
	}
	s.m[sha256.Sum256([]byte(id))] = ss
	return id, ss
}

// evictLocked drops expired sessions, and the least recently used one if
// none has expired.
func (s *sessions) evictLocked(now time.Time) {
	var oldestK [32]byte
	var oldest *session
	for k, ss := range s.m {
		if s.expired(ss, now) {
			delete(s.m, k)
			continue
		}
		if oldest == nil || ss.seen.Before(oldest.seen) {
			oldestK, oldest = k, ss
		}
	}
	if len(s.m) >= MaxSessions && oldest != nil {
		delete(s.m, oldestK)
	}
}

func (s *sessions) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.seen) >= IdleTimeout || now.Sub(ss.created) >= AbsoluteTimeout
}

// get returns the live session of id opened with the admin token of digest
// tokenFP, and marks it used; an expired session, or one opened with another
// token, is ended.
func (s *sessions) get(id string, tokenFP [32]byte) *session {
	if id == "" {
		return nil
	}
	k := sha256.Sum256([]byte(id))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[k]
	if ss == nil {
		return nil
	}
	if s.expired(ss, now) || subtle.ConstantTimeCompare(ss.tokenFP[:], tokenFP[:]) != 1 {
		delete(s.m, k)
		return nil
	}
	ss.seen = now
	return ss
}

// end deletes the session of id.
func (s *sessions) end(id string) {
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

// setCookie writes a console cookie: HttpOnly, SameSite=Strict, scoped to
// /console, Secure when the request came over TLS. maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/console", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// digest is a secret's SHA-256, for constant-time comparisons of any length.
func digest(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// equal compares secrets in constant time, independent of their lengths.
func equal(a, b string) bool {
	da, db := digest(a), digest(b)
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// sameOrigin reports whether a state-changing request comes from the console
// itself: an Origin header, when sent, must name this host; a Sec-Fetch-Site
// header, when sent, must say same-origin. Browsers send at least one of them
// on every POST, so a cross-site form or fetch is refused even before its
// (missing) CSRF token is checked.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		if o != scheme+r.Host {
			return false
		}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	return true
}

// loginLimiter counts failed sign-ins per client address: past maxFailures in
// a window, sign-in from that address is refused until the window ends. It
// holds at most maxEntries addresses; when full it forgets expired ones, and
// if none has expired it refuses every new address (fail closed).
type loginLimiter struct {
	mu  sync.Mutex
	m   map[string]*failures
	now func() time.Time
}

type failures struct {
	n     int
	start time.Time
}

const (
	loginWindow      = 15 * time.Minute
	loginMaxFailures = 10
	loginMaxEntries  = 10000
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{m: map[string]*failures{}, now: now}
}

// allowed reports whether ip may try to sign in now.
func (l *loginLimiter) allowed(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[ip]
	if f == nil {
		return len(l.m) < loginMaxEntries || l.sweepLocked()
	}
	if l.now().Sub(f.start) >= loginWindow {
		delete(l.m, ip)
		return true
	}
	return f.n < loginMaxFailures
}

// failed counts a failed sign-in from ip.
func (l *loginLimiter) failed(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.m[ip]
	if f == nil || now.Sub(f.start) >= loginWindow {
		if f == nil && len(l.m) >= loginMaxEntries && !l.sweepLocked() {
			return
		}
		f = &failures{start: now}
		l.m[ip] = f
	}
	f.n++
}

// sweepLocked forgets expired entries and reports whether there is room.
func (l *loginLimiter) sweepLocked() bool {
	now := l.now()
	for ip, f := range l.m {
		if now.Sub(f.start) >= loginWindow {
			delete(l.m, ip)
		}
	}
	return len(l.m) < loginMaxEntries
}
