package graphql

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

func queryBody(q string) string {
	b, _ := json.Marshal(map[string]any{"query": q})
	return string(b)
}

func TestAdmit(t *testing.T) {
	refuse := newGuard(t, func(o *Options) { o.Cost.MaxCost = 50 })
	null := newGuard(t, func(o *Options) { o.OnDeniedField = "null" })
	support := &principal.Principal{Subject: "s", Roles: []string{"support"}}
	tests := []struct {
		name    string
		g       *Guard
		method  string
		query   string // URL query
		body    string
		who     *principal.Principal
		inspect bool
		// want
		status     int
		code       string
		allow      string
		rule       string
		object     string
		cost       int
		rewritten  bool
		denied     string
		inspection string // x.Inspection.RawQuery; "-" none
	}{
		{name: "admitted, cost noted", g: refuse, method: "POST", body: queryBody("{ me { id name } }"),
			object: "graphql_cost:1", cost: 1, inspection: "-"},
		{name: "inspection prepared", g: refuse, method: "POST", query: "trace=1", body: queryBody(`{ user(id: "7") { id } }`), inspect: true,
			object: "graphql_cost:1", cost: 1, inspection: "trace=1"},
		{name: "GET: operation parameters not inspected as text", g: refuse, method: "GET",
			query: url.Values{"query": {"{ me { id } }"}, "page": {"2"}, "operationName": {""}}.Encode(), inspect: true,
			object: "graphql_cost:1", cost: 1, inspection: "page=2"},
		{name: "field refused, named in the audit", g: refuse, method: "POST", body: queryBody("{ me { email } }"),
			status: 403, code: "graphql_field_forbidden", rule: "User.email", inspection: "-"},
		{name: "field allowed to its role", g: refuse, method: "POST", body: queryBody("{ me { email } }"), who: support,
			object: "graphql_cost:1", cost: 1, inspection: "-"},
		{name: "over the cost", g: refuse, method: "POST", body: queryBody("{ users(first: 100) { id } }"),
			status: 400, code: "graphql_cost_exceeded", object: "graphql_cost:200", inspection: "-"},
		{name: "mutation over GET", g: refuse, method: "GET",
			query:  url.Values{"query": {`mutation { placeOrder(input: {productId: "1", quantity: 1}) { id } }`}}.Encode(),
			status: 405, code: "graphql_mutation_over_get", allow: "POST", inspection: "-"},
		{name: "null mode: body rewritten", g: null, method: "POST", body: queryBody("{ me { id email } }"), inspect: true,
			object: "graphql_cost:1", cost: 1, rewritten: true, rule: "User.email", denied: "User.email", inspection: ""},
		{name: "null mode: GET query rewritten", g: null, method: "GET", query: url.Values{"query": {"{ me { id email } }"}}.Encode(),
			object: "graphql_cost:1", cost: 1, rule: "User.email", denied: "User.email", inspection: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, "/graphql?"+tt.query, body)
			r.Header.Set("Content-Type", "application/json")
			x := &exchange.Exchange{Req: r, Principal: tt.who}
			var b []byte
			if tt.body != "" {
				b = []byte(tt.body)
			}
			before := r.URL.RawQuery
			out, p := tt.g.Admit(x, b, tt.inspect)
			if tt.code != "" {
				if p == nil || p.Status != tt.status || p.Code != tt.code || p.Render == nil {
					t.Fatalf("problem %+v, want %d %s rendered by GraphQL", p, tt.status, tt.code)
				}
				if p.Header.Get("Allow") != tt.allow {
					t.Errorf("Allow = %q", p.Header.Get("Allow"))
				}
			} else if p != nil {
				t.Fatalf("refused: %v", p)
			}
			if x.Notes.Rule != tt.rule || x.Notes.Object != tt.object || x.Cost != tt.cost {
				t.Errorf("notes %+v cost %d, want rule %q object %q cost %d", x.Notes, x.Cost, tt.rule, tt.object, tt.cost)
			}
			if (out != nil) != tt.rewritten || tt.rewritten && !strings.Contains(string(out), "@skip(if: true)") ||
				tt.rewritten && r.Header.Get("Content-Length") == "" {
				t.Errorf("rewritten body %q (Content-Length %q)", out, r.Header.Get("Content-Length"))
			}
			if tt.method == "GET" && tt.denied != "" && (r.URL.RawQuery == before || !strings.Contains(r.URL.Query().Get("query"), "@skip")) {
				t.Errorf("query not rewritten: %s", r.URL.RawQuery)
			}
			var denied []string
			for _, d := range x.Denied {
				denied = append(denied, d...)
			}
			if strings.Join(denied, ",") != tt.denied {
				t.Errorf("denied %v, want %q", x.Denied, tt.denied)
			}
			switch {
			case tt.inspection == "-" && x.Inspection != nil:
				t.Errorf("inspection prepared: %+v", x.Inspection)
			case tt.inspection != "-" && (x.Inspection == nil || x.Inspection.RawQuery != tt.inspection || !json.Valid(x.Inspection.Body)):
				t.Errorf("inspection %+v, want query %q", x.Inspection, tt.inspection)
			}
		})
	}
}

func TestWithoutParams(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"query=x":                       "",
		"a=1&query=x&b=2":               "a=1&b=2",
		"%71uery=x&operationName=n&c=3": "c=3",
		"variables=%7B%7D&extensions=e": "",
		"bad%zz=1&query=x":              "bad%zz=1",
		"queryX=1&Query=2":              "queryX=1&Query=2",
	} {
		if got := withoutParams(in); got != want {
			t.Errorf("withoutParams(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShape(t *testing.T) {
	render := func(p *httperr.Problem) (int, map[string]any) {
		t.Helper()
		w := httptest.NewRecorder()
		httperr.Write(w, "rid", p)
		var out struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
			t.Fatalf("not GraphQL-shaped: %s", w.Body)
		}
		e := out.Errors[0]
		e.Extensions["message"] = e.Message
		return w.Code, e.Extensions
	}
	if Shape(nil) != nil {
		t.Fatal("nil problem shaped")
	}
	limited := httperr.New(http.StatusTooManyRequests, "rate_limited", "Slow down.").WithHeader("Retry-After", "7")
	code, ext := render(Shape(limited))
	if code != 429 || ext["code"] != "rate_limited" || ext["retry_after"] != float64(7) || ext["message"] != "Slow down." || ext["request_id"] != "rid" {
		t.Fatalf("429: %d %v", code, ext)
	}
	found := httperr.New(http.StatusForbidden, "injection_detected", "Refused.").WithExtension("finding", map[string]string{"id": "rid"})
	if code, ext = render(Shape(found)); code != 403 || ext["finding"] == nil {
		t.Fatalf("403: %d %v", code, ext)
	}
	failed := httperr.New(http.StatusInternalServerError, "waf_error", "").WithExtension("secret", "x")
	if code, ext = render(Shape(failed)); code != 500 || ext["secret"] != nil || ext["message"] != "Internal Server Error" {
		t.Fatalf("500: %d %v", code, ext)
	}
	own := &httperr.Problem{Status: 400, Code: "x", Render: func(http.ResponseWriter, string) {}}
	if Shape(own) != own {
		t.Fatal("a problem that renders itself was shaped again")
	}
}

func gzipString(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

type brokenBody struct{}

func (brokenBody) Read([]byte) (int, error) { return 0, errors.New("reset") }
func (brokenBody) Close() error             { return nil }

func TestResponse(t *testing.T) {
	g := newGuard(t, nil)
	leaky := `{"data":null,"errors":[{"message":"Cannot query field \"emial\". Did you mean \"email\"?","extensions":{"code":"GRAPHQL_VALIDATION_FAILED","stacktrace":["at x"]}}]}`
	tests := []struct {
		name    string
		ct, enc string
		body    string
		reader  io.ReadCloser
		nulls   *Nulls
		status  int    // the problem's; 0: passed
		want    string // substring of the body the client gets
		wantNot string
	}{
		{name: "errors cleaned", ct: "application/json", body: leaky, want: `Cannot query field \"emial\".`, wantNot: "stacktrace"},
		{name: "clean answer as sent", ct: "application/graphql-response+json", body: `{"data":{"me":null}}`, want: `{"data":{"me":null}}`},
		{name: "denied fields named", ct: "application/json", body: `{"data":{"me":{"id":"1","email":null}}}`,
			nulls: &Nulls{ops: [][]nullPath{nil}, keys: [][]string{{"User.email"}}}, want: "User.email"},
		{name: "compressed answer decoded", ct: "application/json", enc: "gzip", body: gzipString(t, leaky), wantNot: "stacktrace"},
		{name: "HTML error page passes", ct: "text/html", body: "<h1>oops</h1>", want: "<h1>oops</h1>"},
		{name: "not a response object", ct: "application/json", body: `"just a string"`, status: 502},
		{name: "undecodable", ct: "application/json", enc: "gzip", body: "not gzip", status: 502},
		{name: "too large", ct: "application/json", body: `{"data":"` + strings.Repeat("a", maxResponse) + `"}`, status: 502},
		{name: "read error", ct: "application/json", reader: brokenBody{}, status: 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {tt.ct}}
			if tt.enc != "" {
				h.Set("Content-Encoding", tt.enc)
			}
			resp := &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(tt.body))}
			if tt.reader != nil {
				resp.Body = tt.reader
			}
			err := g.Response(&exchange.Exchange{Nulls: tt.nulls})(resp)
			if tt.status != 0 {
				var p *httperr.Problem
				if !errors.As(err, &p) || p.Status != tt.status || p.Render == nil {
					t.Fatalf("err = %v, want a GraphQL-shaped %d", err, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), tt.want) || tt.wantNot != "" && strings.Contains(string(b), tt.wantNot) {
				t.Fatalf("body %s", b)
			}
		})
	}
}

// sharedIndex is an exchange's body reading, counting its readers.
type sharedIndex struct {
	body  []byte
	calls int
}

func (s *sharedIndex) JSON() (*jsonread.Index, error) {
	s.calls++
	return jsonread.Parse(s.body, jsonread.Options{})
}

// TestSharedIndex: a JSON body the exchange already read is taken from its
// index, not parsed a second time; a broken one is still refused.
func TestSharedIndex(t *testing.T) {
	g := newGuard(t, nil)
	for _, c := range []struct {
		body string
		ok   bool
	}{{`{"query":"query($id: ID!) { user(id: $id) { id } }","variables":{"id":"7"}}`, true}, {`[{"query":"{ me { id } }"},{"query":"{ me { name } }"}]`, true}, {`{"query":`, false}} {
		shared := &sharedIndex{body: []byte(c.body)}
		req := post(c.body)
		req.x = shared
		_, ref := g.Check(req, Caller{})
		if (ref == nil) != c.ok || shared.calls != 1 {
			t.Fatalf("%s: refusal %v, index read %d times", c.body, ref, shared.calls)
		}
	}
	// Admit hands the exchange over only when body is the exchange's.
	body := []byte(`{"query":"{ me { id } }"}`)
	ix, err := jsonread.Parse(body, jsonread.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	x := &exchange.Exchange{Req: r}
	x.SetJSON(body, ix)
	if _, p := g.Admit(x, body, false); p != nil {
		t.Fatal(p)
	}
	if got, _ := x.JSON(); got != ix {
		t.Fatal("the exchange's index was replaced")
	}
}
