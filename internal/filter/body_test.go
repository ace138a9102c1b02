package filter

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/bufpool"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/filter/media"
	"github.com/bulwark-gw/bulwark/internal/filter/sensitive"
	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// BenchmarkFilterRecords measures the response guards on an NDJSON answer of
// 1000 records (cut to an allow-list, card numbers redacted) against the same
// records as one JSON array.
func BenchmarkFilterRecords(b *testing.B) {
	tree, err := shape.FromPaths([]string{"id", "name", "card"})
	if err != nil {
		b.Fatal(err)
	}
	rec := `{"id":1,"name":"alice","email":"a@example.com","secret":"x","card":"4111 1111 1111 1111"}`
	lines := []byte(strings.Repeat(rec+"\n", 1000))
	array := []byte("[" + strings.TrimSuffix(strings.Repeat(rec+",", 1000), ",") + "]")
	pol := mustCompile(b, sensitive.Policy{sensitive.Kind("card"): sensitive.Redact})
	b.Run("ndjson", func(b *testing.B) {
		b.SetBytes(int64(len(lines)))
		b.ReportAllocs()
		for b.Loop() {
			f := docFilter{tree: tree, sensitive: pol}
			if _, err := media.Records(lines, false, f.doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json array", func(b *testing.B) {
		tree := &shape.Tree{Items: tree}
		b.SetBytes(int64(len(array)))
		b.ReportAllocs()
		for b.Loop() {
			f := docFilter{tree: tree, sensitive: pol}
			if _, err := f.doc(array); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestDocFilterRecords(t *testing.T) {
	tree, _ := shape.FromPaths([]string{"id", "note"})
	pol := mustCompile(t, sensitive.Policy{sensitive.Kind("card"): sensitive.Redact, sensitive.Kind("private_key"): sensitive.Block})
	tests := []struct {
		name, in, want string
		err            error
		removed        int
	}{
		{name: "cut and redacted", in: "{\"id\":1,\"s\":\"x\",\"note\":\"4111 1111 1111 1111\"}\n{\"id\":2}\n",
			want: "{\"id\":1,\"note\":\"**** **** **** 1111\"}\n{\"id\":2}\n", removed: 1},
		{name: "duplicate keys each cut", in: "{\"id\":1,\"s\":\"a\",\"s\":\"b\",\"note\":\"x\",\"note\":\"4111 1111 1111 1111\"}\n",
			want: "{\"id\":1,\"note\":\"x\",\"note\":\"**** **** **** 1111\"}\n", removed: 2},
		{name: "bad record", in: "{\"id\":1}\n{nope\n", err: shape.ErrInvalidJSON},
		{name: "scalar record", in: "{\"id\":1}\n \"TOPSECRET\"\n", err: errScalarRoot},
		{name: "number record", in: "42\n", err: errScalarRoot},
		{name: "array record kept", in: " [1]\n", want: " []\n", removed: 1},
		{name: "blocked record", in: "{\"id\":1}\n{\"note\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAx\\n-----END RSA PRIVATE KEY-----\"}\n", err: errBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := docFilter{tree: tree, sensitive: pol, objectsOnly: true}
			out, err := media.Records([]byte(tt.in), false, f.doc)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || string(out) != tt.want || f.removed != tt.removed {
				t.Fatalf("got %q (removed %d), %v; want %q (removed %d)", out, f.removed, err, tt.want, tt.removed)
			}
		})
	}
}

func TestRefuseBodyKeepsTheStatusClass(t *testing.T) {
	refusal := unfilterable(errors.New("text/plain"))
	tests := []struct {
		status  int
		problem int // status of the problem returned, 0: none, the body dropped
	}{
		{200, http.StatusBadGateway},
		{206, http.StatusBadGateway},
		{302, 0},
		{404, 404},
		{503, 503},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Body: io.NopCloser(strings.NewReader("UPSTREAM")),
				Header: http.Header{"Content-Type": {"text/html"}, "Location": {"/x"}}}
			var x exchange.Exchange
			err := refuseBody(resp, &x, "response_media_type", refusal)
			var p *httperr.Problem
			switch {
			case tt.problem == 0:
				if err != nil || resp.Body != http.NoBody || resp.Header.Get("Content-Type") != "" ||
					resp.Header.Get("Content-Length") != "0" || resp.Header.Get("Location") != "/x" {
					t.Fatalf("err %v, header %v", err, resp.Header)
				}
			case !errors.As(err, &p) || p.Status != tt.problem:
				t.Fatalf("err = %v, want a %d problem", err, tt.problem)
			}
			if x.Notes.Rule != "response_media_type" {
				t.Fatalf("rule = %q", x.Notes.Rule)
			}
		})
	}
}

// readBody is ReadAll under a limit whatever the declared length says: a
// shorter, longer or absent length reads what the body holds, up to limit.
func TestReadBodyLengthIsAHint(t *testing.T) {
	body := strings.Repeat("x", 100)
	for _, tc := range []struct {
		length, limit int64
		want          int
	}{
		{100, 1001, 100}, {-1, 1001, 100}, {0, 1001, 100}, {10, 1001, 100}, {500, 1001, 100},
		{100, 50, 50}, {10, 50, 50}, {40, 50, 50}, {100, 101, 100},
	} {
		got, _, err := readBody(strings.NewReader(body), tc.length, tc.limit)
		if err != nil || len(got) != tc.want || strings.Trim(string(got), "x") != "" {
			t.Errorf("readBody(length %d, limit %d) = %d bytes, %v; want %d", tc.length, tc.limit, len(got), err, tc.want)
		}
	}
	if _, _, err := readBody(io.MultiReader(strings.NewReader("ab"), iotest{}), 10, 100); err == nil {
		t.Error("a reader's error was lost")
	}
}

type iotest struct{}

func (iotest) Read([]byte) (int, error) { return 0, errors.New("broken") }

func TestNoteFindings(t *testing.T) {
	for _, tc := range []struct {
		kinds []string
		want  string
	}{
		{nil, ""},
		{[]string{"email"}, "sensitive:email"},
		{[]string{"phone", "email"}, "sensitive:email,phone"},
		{[]string{"unknown"}, "sensitive:unknown"},
	} {
		x := &exchange.Exchange{}
		noteFindings(x, tc.kinds)
		if x.Notes.Rule != tc.want {
			t.Errorf("noteFindings(%v) = %q, want %q", tc.kinds, x.Notes.Rule, tc.want)
		}
	}
	x := &exchange.Exchange{}
	if n := testing.AllocsPerRun(10, func() { noteFindings(x, []string{"email"}) }); n != 0 {
		t.Errorf("one kind found: %.0f allocations", n)
	}
}

// BenchmarkDocFilterBenchRoute is the answer of bench/run.sh's whole-pipeline
// route: bench/upstream's 1 KiB user list cut to an allow-list with a deny
// entry, cards redacted and e-mails monitored.
func BenchmarkDocFilterBenchRoute(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"kind":"user-list","page":1,"items":[`)
	for i := range 14 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"name":"user-%d","email":"user%d@example.com","tags":["a","b"]}`, 1000+i, i, i)
	}
	sb.WriteString(`]}`)
	doc := []byte(sb.String())
	tree, err := shape.FromPaths([]string{"kind", "items.*.id", "items.*.name", "items.*.email"})
	if err != nil {
		b.Fatal(err)
	}
	tree.Seal()
	dp, err := shape.CompilePath("items.*.tags")
	deny := []shape.Path{dp}
	if err != nil {
		b.Fatal(err)
	}
	// The route's effective policy: naming sensitive kinds in a config keeps
	// the defaults for the others (config.defaultSensitive), so every detector runs.
	pol := mustCompile(b, sensitive.Policy{sensitive.Card: sensitive.Redact, sensitive.SSN: sensitive.Redact,
		sensitive.IBAN: sensitive.Redact, sensitive.PrivateKey: sensitive.Block, sensitive.CloudKey: sensitive.Redact,
		sensitive.JWT: sensitive.Redact, sensitive.APIKey: sensitive.Redact, sensitive.PasswordHash: sensitive.Redact,
		sensitive.Email: sensitive.Monitor, sensitive.Phone: sensitive.Monitor})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		lent, spans := bufpool.Get(len(doc)), keptSpans.Get().(*[][2]int) // as filterBody lends them
		f := docFilter{tree: tree, deny: deny, sensitive: pol, dst: *lent, kept: (*spans)[:0]}
		if _, err := f.doc(doc); err != nil {
			b.Fatal(err)
		}
		bufpool.Put(lent)
		*spans = f.kept[:0]
		keptSpans.Put(spans)
	}
}

// TestPooledBodyClosedOnce: a filtered body reads its bytes, returns its
// buffer to the pool once, and reads nothing after Close, even when the
// buffer has been lent again and overwritten.
func TestPooledBodyClosedOnce(t *testing.T) {
	owner := bufpool.Get(16)
	*owner = append(*owner, `{"id":1}`...)
	b := newPooledBody(*owner, owner)
	got, err := io.ReadAll(b)
	if err != nil || string(got) != `{"id":1}` {
		t.Fatalf("read %q, %v", got, err)
	}
	b2 := newPooledBody(*owner, owner)
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b2.Close(); err != nil { // a second Close puts nothing back
		t.Fatal(err)
	}
	// Put twice, the buffer would come back from two Gets: two requests
	// writing one array.
	again, next := bufpool.Get(16), bufpool.Get(16)
	if again == next {
		t.Fatal("a buffer closed twice was handed out twice")
	}
	*again = append(*again, `{"secret":"x"}`...)
	if n, err := b2.Read(make([]byte, 64)); n != 0 || err != io.EOF {
		t.Fatalf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
}

// TestFilteredBodiesDoNotShareBuffers: the answers of many filtered responses
// built in lent buffers, each closed after it was read, never show another
// answer's bytes.
func TestFilteredBodiesDoNotShareBuffers(t *testing.T) {
	tree, err := shape.FromPaths([]string{"id", "name"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		doc := fmt.Sprintf(`{"id":%d,"secret":"s%d","name":"n%d"}`, i, i, i)
		lent := bufpool.Get(len(doc))
		f := docFilter{tree: tree, dst: *lent}
		out, err := f.doc([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if !sameArray(out, lent) {
			t.Fatalf("doc %d: the cut was not built in the lent buffer", i)
		}
		body := newPooledBody(out, lent)
		got, _ := io.ReadAll(body)
		if want := fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i); string(got) != want {
			t.Fatalf("doc %d: %s, want %s", i, got, want)
		}
		body.Close()
	}
}

func TestSetContentLength(t *testing.T) {
	h := http.Header{"Content-Length": {"1069"}}
	setContentLength(h, 822)
	if got := h.Values("Content-Length"); len(got) != 1 || got[0] != "822" {
		t.Fatalf("Content-Length = %q", got)
	}
	h = http.Header{"Content-Length": {"10", "10"}} // not one value: replaced whole
	setContentLength(h, 5)
	if got := h.Values("Content-Length"); len(got) != 1 || got[0] != "5" {
		t.Fatalf("Content-Length = %q", got)
	}
	h = http.Header{}
	setContentLength(h, 7)
	if got := h.Get("Content-Length"); got != "7" {
		t.Fatalf("Content-Length = %q", got)
	}
}

func mustCompile(t testing.TB, p sensitive.Policy) *sensitive.Compiled {
	t.Helper()
	c, err := p.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
