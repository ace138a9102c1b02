package authz

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

func TestResponse(t *testing.T) {
	cases := []struct {
		name    string
		o       Options
		who     *principal.Principal
		owners  map[string]string // existing records
		recErr  error
		status  int
		header  http.Header
		body    string
		refused bool // the hook returns a problem (502)
		// unavailable: the hook returns a 503 (the owner cannot be recorded)
		unavailable bool
		want        string // the body the client gets
		recorded    string // the record written, "" for none
		logged      string // a log line containing this
	}{
		{name: "location learns the owner", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "location", Owner: "sub"}},
			who: alice, status: 201, header: http.Header{"Location": {"/orders/42?x=1"}}, body: `{}`, want: `{}`, recorded: "order:42=alice"},
		{name: "body id learns the owner", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "response:/id", Owner: "sub"}},
			who: alice, status: 201, body: `{"id":"43"}`, want: `{"id":"43"}`, recorded: "order:43=alice"},
		{name: "another's object is never taken over", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "response:/id", Owner: "sub"}},
			who: alice, owners: map[string]string{"order:44": "bob"}, status: 200, body: `{"id":"44"}`, want: `{"id":"44"}`,
			logged: "already has another owner"},
		{name: "no id in the answer", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "location", Owner: "sub"}},
			who: alice, status: 201, body: `{}`, want: `{}`, logged: "owner not recorded"},
		{name: "recording fails: logged, answer kept", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "response:/id", Owner: "sub"}},
			who: alice, recErr: errors.New("store down"), status: 201, body: `{"id":"45"}`, want: `{"id":"45"}`,
			recorded: "order:45=alice", logged: "record object owner"},
		{name: "outbox full: the create is refused", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "response:/id", Owner: "sub"}},
			who: alice, recErr: ownership.ErrOutboxFull, status: 201, body: `{"id":"47"}`, unavailable: true},
		{name: "a failed create learns nothing", o: Options{RecordsOwner: &RecordsOwner{Object: "order", From: "response:/id", Owner: "sub"}},
			who: alice, status: 409, body: `{"id":"46"}`, want: `{"id":"46"}`},
		{name: "list cut to the caller", o: Options{FilterList: &FilterList{Array: "/orders", OwnerField: "owner", Equals: "sub"}},
			who: alice, status: 200, header: http.Header{"Etag": {`"v1"`}},
			body: `{"orders":[{"id":1,"owner":"alice"},{"id":2,"owner":"bob"}]}`, want: `{"orders":[{"id":1,"owner":"alice"}]}`},
		{name: "caller without the value keeps nothing", o: Options{FilterList: &FilterList{OwnerField: "tenant", Equals: "claim:tenant"}},
			who: bob, status: 200, body: `[{"tenant":"t1"},{"owner":"x"}]`, want: `[]`},
		{name: "compressed list refused", o: Options{FilterList: &FilterList{OwnerField: "owner", Equals: "sub"}},
			who: alice, status: 200, header: http.Header{"Content-Encoding": {"gzip"}}, body: "\x1f\x8b", refused: true},
		{name: "list not JSON refused", o: Options{FilterList: &FilterList{OwnerField: "owner", Equals: "sub"}},
			who: alice, status: 200, body: `<html>`, refused: true},
		{name: "list too large refused", o: Options{FilterList: &FilterList{OwnerField: "owner", Equals: "sub"}},
			who: alice, status: 200, body: "[" + strings.Repeat(" ", MaxResponseBody) + "]", refused: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &fakeRecords{owners: c.owners, recErr: c.recErr}
			var logs bytes.Buffer
			g, err := New(c.o, bodyDeps(Deps{Records: func() (Records, error) { return rec, nil },
				Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/orders", nil)
			hook := g.Response(&exchange.Exchange{Req: req, Principal: c.who})
			if hook == nil {
				t.Fatal("no response hook")
			}
			h := c.header.Clone()
			if h == nil {
				h = http.Header{}
			}
			resp := &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(strings.NewReader(c.body)), Request: req}
			err = hook(resp)
			if c.refused {
				var p *httperr.Problem
				if !errors.As(err, &p) || p.Status != 502 || p.Code != "response_unfilterable" {
					t.Fatalf("got %v, want a 502 response_unfilterable", err)
				}
				return
			}
			if c.unavailable {
				var p *httperr.Problem
				if !errors.As(err, &p) || p.Status != 503 || p.Code != "authz_unavailable" || p.Header.Get("Retry-After") == "" {
					t.Fatalf("got %v, want a 503 authz_unavailable with Retry-After", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			if string(got) != c.want {
				t.Errorf("body %s, want %s", got, c.want)
			}
			if c.o.FilterList != nil && c.status == 200 {
				if resp.Header.Get("ETag") != "" || resp.Header.Get("Content-Length") != strconv.Itoa(len(got)) {
					t.Errorf("headers %v", resp.Header)
				}
			}
			if r := strings.Join(rec.recorded, ","); r != c.recorded {
				t.Errorf("recorded %q, want %q", r, c.recorded)
			}
			if !strings.Contains(logs.String(), c.logged) {
				t.Errorf("log %q lacks %q", logs.String(), c.logged)
			}
		})
	}
}

func TestResponseNone(t *testing.T) {
	g, err := New(Options{Roles: []string{"user"}}, bodyDeps(Deps{}))
	if err != nil {
		t.Fatal(err)
	}
	if g.ReadsResponse() || g.Response(&exchange.Exchange{}) != nil {
		t.Error("a route without records_owner or filter_list reads the answer")
	}
}
