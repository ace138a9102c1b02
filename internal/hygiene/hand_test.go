package hygiene

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	ex "github.com/bulwark-gw/bulwark/internal/exchange"
)

func TestHandBody(t *testing.T) {
	cases := []struct {
		name    string
		ct      string
		body    string
		buffer  bool // BufferBody after PrepareBody (a guard read it)
		replace string
		held    bool
		indexed bool // x answers JSON with PrepareBody's index
	}{
		{name: "no body", ct: "application/json"},
		{name: "JSON body with its index", ct: "application/json", body: `{"user":{"role":"x"}}`, held: true, indexed: true},
		{name: "text body left streaming", ct: "text/plain", body: "hello"},
		{name: "text body a guard buffered", ct: "text/plain", body: "hello", buffer: true, held: true},
		{name: "replaced JSON body is held without the old index", ct: "application/json", body: `{"a":1}`, replace: `{"b":2}`, held: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := DefaultLimits()
			l.JSONUniqueKeys = true
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			if c.body == "" {
				r.Body, r.ContentLength = http.NoBody, 0
			}
			r.Header.Set("Content-Type", c.ct)
			if p := PrepareBody(httptest.NewRecorder(), r, &l); p != nil {
				t.Fatal(p)
			}
			if c.buffer {
				if _, p := BufferBody(r, &l); p != nil {
					t.Fatal(p)
				}
			}
			want := c.body
			if c.replace != "" {
				SetUniqueKeyJSON(r, []byte(c.replace))
				want = c.replace
			}
			x := &ex.Exchange{Req: r}
			HandBody(x)
			b, ok := x.Body()
			if ok != c.held || (ok && string(b) != want) {
				t.Fatalf("x holds %q (%v), want %q (%v)", b, ok, want, c.held)
			}
			ix, err := x.JSON()
			prepared, _ := JSONIndex(r)
			if c.indexed != (err == nil && ix == prepared && prepared != nil) {
				t.Errorf("index %p (%v), PrepareBody's %p; want it: %v", ix, err, prepared, c.indexed)
			}
			x.ReleaseJSON()
		})
	}
}
