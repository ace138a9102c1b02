package filter

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

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
	pol := sensitive.Policy{sensitive.Kind("card"): sensitive.Redact}
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
	pol := sensitive.Policy{sensitive.Kind("card"): sensitive.Redact, sensitive.Kind("private_key"): sensitive.Block}
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
		got, err := readBody(strings.NewReader(body), tc.length, tc.limit)
		if err != nil || len(got) != tc.want || strings.Trim(string(got), "x") != "" {
			t.Errorf("readBody(length %d, limit %d) = %d bytes, %v; want %d", tc.length, tc.limit, len(got), err, tc.want)
		}
	}
	if _, err := readBody(io.MultiReader(strings.NewReader("ab"), iotest{}), 10, 100); err == nil {
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
