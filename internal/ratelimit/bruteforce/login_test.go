package bruteforce

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

func loginOptions() Options {
	return Options{UsernameField: "username", UsernameNormalize: DefaultNormalization, FailureStatuses: []int{401},
		MaxFailures: 2, IPMaxFailures: 20, Window: 15 * time.Minute, Lockout: 15 * time.Minute,
		DelayAfter: 10, IPDelayAfter: 100, BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second, AttemptTimeout: time.Minute}
}

// loginExchange is a login request from ip with body of type ctype.
func loginExchange(ip, target, ctype, body string) *exchange.Exchange {
	var r = httptest.NewRequest("POST", target, nil)
	if body != "" {
		r = httptest.NewRequest("POST", target, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
	}
	return &exchange.Exchange{Req: r, ClientGroup: ip}
}

const jsonType = "application/json"

func TestLoginBegin(t *testing.T) {
	cases := []struct {
		name   string
		o      func(*Options)
		target string
		ctype  string
		body   string
		status int // 0: admitted
		code   string
	}{
		{name: "json username", ctype: jsonType, body: `{"username":"alice","password":"x"}`},
		{name: "form username", ctype: "application/x-www-form-urlencoded", body: `username=alice&password=x`},
		{name: "no username: the IP alone", ctype: jsonType, body: `{"password":"x"}`},
		{name: "no body: the IP alone"},
		{name: "no username and the IP not counted", o: func(o *Options) { o.IPMaxFailures = 0 },
			ctype: jsonType, body: `{"password":"x"}`, status: 400, code: "login_malformed"},
		{name: "username twice", ctype: jsonType, body: `{"username":"alice","USERNAME":"bob"}`, status: 400, code: "login_malformed"},
		{name: "username as an array", ctype: jsonType, body: `{"username":["alice"]}`, status: 400, code: "login_malformed"},
		{name: "username in the query too", target: "/login?username=bob", ctype: jsonType, body: `{"username":"alice"}`,
			status: 400, code: "login_malformed"},
		{name: "username in the query, no body", target: "/login?username=bob", status: 400, code: "login_malformed"},
		{name: "body not JSON", ctype: jsonType, body: `{"username":`, status: 400, code: "login_malformed"},
		{name: "control character in the username", ctype: jsonType, body: `{"username":"ali\u0000ce"}`,
			status: 400, code: "login_username_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := loginOptions()
			if c.o != nil {
				c.o(&o)
			}
			g, err := NewLoginGuard(o, NewMemoryBackend(), secret, nil)
			if err != nil {
				t.Fatal(err)
			}
			target := c.target
			if target == "" {
				target = "/login"
			}
			x := loginExchange("192.0.2.1", target, c.ctype, c.body)
			a, p := g.Begin(context.Background(), x)
			switch {
			case c.status == 0 && p != nil:
				t.Fatalf("refused: %d %s %v", p.Status, p.Code, p.Cause)
			case c.status != 0 && (p == nil || p.Status != c.status || p.Code != c.code):
				t.Fatalf("got %v, want %d %s", p, c.status, c.code)
			}
			if p != nil {
				if a != nil {
					t.Error("a refused attempt holds a reservation")
				}
				return
			}
			defer g.Finish(a, true)
			if c.body == "" {
				return
			}
			// The upstream reads the body the guard read.
			got, _ := io.ReadAll(x.Req.Body)
			again, _ := x.Req.GetBody()
			replay, _ := io.ReadAll(again)
			if string(got) != c.body || string(replay) != c.body || x.Req.ContentLength != int64(len(c.body)) {
				t.Errorf("body upstream %q (replay %q, length %d), want %q", got, replay, x.Req.ContentLength, c.body)
			}
		})
	}
}

func TestLoginBodyUnreadable(t *testing.T) {
	g, err := NewLoginGuard(loginOptions(), NewMemoryBackend(), secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := loginExchange("192.0.2.1", "/login", jsonType, `{}`)
	x.Req.Body = io.NopCloser(iotest.ErrReader(errors.New("connection reset")))
	if _, p := g.Begin(context.Background(), x); p == nil || p.Status != 400 || p.Code != "body_unreadable" {
		t.Fatalf("got %v", p)
	}
}

// TestLoginLockout: failures counted from the answer lock the username out
// (429 with Retry-After), a lost answer counts as a failure, a success and
// an answer that is no verdict do not.
func TestLoginLockout(t *testing.T) {
	var logs bytes.Buffer
	g, err := NewLoginGuard(loginOptions(), NewMemoryBackend(), secret, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	try := func(user string) (*Attempt, *httperr.Problem) {
		return g.Begin(context.Background(), loginExchange("192.0.2.1", "/login", jsonType, `{"username":"`+user+`"}`))
	}
	// Not verdicts: a success, and a 404 from the upstream.
	for _, status := range []int{200, 404} {
		a, p := try("alice")
		if p != nil {
			t.Fatal(p)
		}
		g.Answer(a, status)
		g.Finish(a, true)
	}
	a, p := try("alice")
	if p != nil {
		t.Fatal(p)
	}
	g.Answer(a, 401)  // one failure
	g.Finish(a, true) // no-op: already settled
	a, p = try("Alice ")
	if p != nil {
		t.Fatal(p)
	}
	g.Finish(a, false) // the upstream never answered: the second failure
	if a, p = try("ALICE"); p == nil || p.Status != 429 || p.Code != "login_locked" || p.Header.Get("Retry-After") != "900" {
		t.Fatalf("after two failures: %v %v", a, p)
	}
	if _, p := try("bob"); p != nil {
		t.Fatalf("another username was refused: %v", p)
	}
}

func TestLoginBusy(t *testing.T) {
	o := loginOptions()
	o.MaxFailures = 1
	g, err := NewLoginGuard(o, NewMemoryBackend(), secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"username":"alice"}`
	a, p := g.Begin(context.Background(), loginExchange("192.0.2.1", "/login", jsonType, body))
	if p != nil {
		t.Fatal(p)
	}
	defer g.Finish(a, true)
	if _, p := g.Begin(context.Background(), loginExchange("192.0.2.2", "/login", jsonType, body)); p == nil || p.Code != "login_busy" {
		t.Fatalf("a second attempt in flight: %v", p)
	}
}

// failingBackend cannot answer.
type failingBackend struct{}

func (failingBackend) Reserve(context.Context, string, string, Policy, time.Time) (State, bool, error) {
	return State{}, false, errors.New("redis down")
}
func (failingBackend) Settle(context.Context, string, string, bool, Policy, time.Time) (State, error) {
	return State{}, errors.New("redis down")
}
func (failingBackend) Reset(context.Context, string) error { return errors.New("redis down") }

func TestLoginBackendDown(t *testing.T) {
	g, err := NewLoginGuard(loginOptions(), failingBackend{}, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, p := g.Begin(context.Background(), loginExchange("192.0.2.1", "/login", jsonType, `{"username":"alice"}`))
	if p == nil || p.Status != 503 || p.Code != "bruteforce_unavailable" || p.Header.Get("Retry-After") != "1" {
		t.Fatalf("got %v", p)
	}
}

// TestLoginDelay: an attempt after DelayAfter failures waits; a client that
// leaves while it waits gets 499 and its slot is freed.
func TestLoginDelay(t *testing.T) {
	o := loginOptions()
	o.MaxFailures, o.DelayAfter, o.BaseDelay, o.MaxDelay = 10, 0, time.Hour, time.Hour
	o.AttemptTimeout = 2 * time.Hour
	var logs bytes.Buffer
	g, err := NewLoginGuard(o, NewMemoryBackend(), secret, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"username":"alice"}`
	a, p := g.Begin(context.Background(), loginExchange("192.0.2.1", "/login", jsonType, body))
	if p != nil {
		t.Fatal(p)
	}
	g.Answer(a, 401)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // gone before the hour-long delay ends
	if _, p := g.Begin(ctx, loginExchange("192.0.2.1", "/login", jsonType, body)); p == nil || p.Status != 499 {
		t.Fatalf("client gone during the delay: %v", p)
	}
	// Its slot was freed: with MaxFailures 10 the next attempt is admitted
	// to its delay again (not busy, not locked).
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, p := g.Begin(ctx, loginExchange("192.0.2.1", "/login", jsonType, body)); p == nil || p.Status != 499 {
		t.Fatalf("second attempt: %v", p)
	}
}

func TestNewLoginGuard(t *testing.T) {
	o := loginOptions()
	o.Window = 0
	if _, err := NewLoginGuard(o, NewMemoryBackend(), secret, nil); err == nil || !strings.Contains(err.Error(), "brute_force") {
		t.Fatalf("a zero window: %v", err)
	}
	if _, err := NewLoginGuard(loginOptions(), NewMemoryBackend(), []byte("short"), nil); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

func TestLoginSettleFailureLogged(t *testing.T) {
	var logs bytes.Buffer
	g, err := NewLoginGuard(loginOptions(), NewMemoryBackend(), secret, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a, p := g.Begin(context.Background(), loginExchange("192.0.2.1", "/login", jsonType, `{"username":"alice"}`))
	if p != nil {
		t.Fatal(p)
	}
	a.g = &Guard{b: failingBackend{}, cfg: a.g.cfg} // the backend goes away before the answer
	g.Answer(a, 401)
	if !strings.Contains(logs.String(), "brute-force settle failed") {
		t.Errorf("log %q", logs.String())
	}
}
