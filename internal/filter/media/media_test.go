package media

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	pol, err := NewPolicy([]string{"text/csv", "image/*", "Text/Event-Stream", "application/*"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		values []string
		none   Kind // with the zero Policy
		listed Kind // with pol
		reason string
	}{
		{"json", []string{"application/json"}, JSON, JSON, ""},
		{"json utf-8", []string{"application/json; charset=utf-8"}, JSON, JSON, ""},
		{"json upper case", []string{"Application/JSON; Charset=UTF-8"}, JSON, JSON, ""},
		{"json ascii", []string{"application/json; charset=us-ascii"}, JSON, JSON, ""},
		{"problem json", []string{"application/problem+json"}, JSON, JSON, ""},
		{"vendor json", []string{"application/vnd.api+json"}, JSON, JSON, ""},
		{"text json", []string{"text/json"}, JSON, JSON, ""},
		{"bare +json suffix", []string{"application/+json"}, Refuse, Pass, ReasonType},
		{"json utf-16", []string{"application/json; charset=utf-16"}, Refuse, Refuse, ReasonCharset},
		{"json latin1", []string{"application/json;charset=iso-8859-1"}, Refuse, Refuse, ReasonCharset},
		{"json quoted charset", []string{`application/json; charset="UTF-16LE"`}, Refuse, Refuse, ReasonCharset},
		{"missing", nil, Sniff, Sniff, ""},
		{"empty value", []string{""}, Sniff, Sniff, ""},
		{"two headers", []string{"application/json", "text/html"}, Refuse, Refuse, ReasonAmbiguous},
		{"two equal headers", []string{"application/json", "application/json"}, Refuse, Refuse, ReasonAmbiguous},
		{"list in one header", []string{"application/json, text/html"}, Refuse, Refuse, ReasonMalformed},
		{"no subtype", []string{"json"}, Refuse, Refuse, ReasonMalformed},
		{"ndjson", []string{"application/x-ndjson"}, Lines, Lines, ""},
		{"ndjson plain", []string{"application/ndjson"}, Lines, Lines, ""},
		{"jsonl", []string{"application/jsonl"}, Lines, Lines, ""},
		{"jsonlines", []string{"application/x-jsonlines"}, Lines, Lines, ""},
		{"json-seq", []string{"application/json-seq"}, Seq, Seq, ""},
		{"ndjson utf-16", []string{"application/x-ndjson; charset=utf-16"}, Refuse, Refuse, ReasonCharset},
		{"text plain", []string{"text/plain"}, Refuse, Refuse, ReasonType},
		{"jsonp", []string{"application/javascript"}, Refuse, Pass, ReasonType},
		{"xml", []string{"application/xml"}, Refuse, Pass, ReasonType},
		{"html", []string{"text/html; charset=utf-8"}, Refuse, Refuse, ReasonType},
		{"csv", []string{"text/csv"}, Refuse, Pass, ReasonType},
		{"csv with charset", []string{"text/csv; charset=utf-16"}, Refuse, Pass, ReasonType},
		{"image wildcard", []string{"image/png"}, Refuse, Pass, ReasonType},
		{"sse", []string{"text/event-stream"}, Refuse, Pass, ReasonStream},
		{"octet", []string{"application/octet-stream"}, Refuse, Pass, ReasonType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, reason := Policy{}.Classify(tt.values)
			if k != tt.none || reason != tt.reason {
				t.Fatalf("zero policy: %v %q, want %v %q", k, reason, tt.none, tt.reason)
			}
			if k, _ := pol.Classify(tt.values); k != tt.listed {
				t.Fatalf("listing policy: %v, want %v", k, tt.listed)
			}
		})
	}
}

func TestNewPolicyRefuses(t *testing.T) {
	for _, bad := range []string{"application/json", "text/json", "application/problem+json", "application/x-ndjson",
		"*/*", "text", "text/csv; charset=utf-8", "text/csv, text/plain", "", "te xt/csv"} {
		if _, err := NewPolicy([]string{bad}); err == nil || !errors.Is(err, errPattern) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if _, err := NewPolicy([]string{"TEXT/CSV", " text/* "}); err != nil {
		t.Fatal(err)
	}
}

// upper is a record transform for tests: it upper-cases records holding "x"
// and returns the others unchanged.
func upper(rec []byte) ([]byte, error) {
	if bytes.Contains(rec, []byte("bad")) {
		return nil, errors.New("bad record")
	}
	if !bytes.Contains(rec, []byte("x")) {
		return rec, nil
	}
	return bytes.ToUpper(rec), nil
}

func TestRecords(t *testing.T) {
	tests := []struct {
		name, in, want string
		seq            bool
		err            bool
	}{
		{name: "empty", in: "", want: ""},
		{name: "unchanged", in: "{\"a\":1}\n{\"b\":2}\n", want: "{\"a\":1}\n{\"b\":2}\n"},
		{name: "one changed", in: "{\"a\":1}\n{\"x\":2}\n", want: "{\"a\":1}\n{\"X\":2}\n"},
		{name: "no final newline", in: "{\"x\":1}\n{\"x\":2}", want: "{\"X\":1}\n{\"X\":2}"},
		{name: "crlf", in: "{\"x\":1}\r\n{\"a\":2}\r\n", want: "{\"X\":1}\r\n{\"a\":2}\r\n"},
		{name: "blank lines kept", in: "\n{\"x\":1}\n\n  \n", want: "\n{\"X\":1}\n\n  \n"},
		{name: "error stops", in: "{\"x\":1}\nbad\n", err: true},
		{name: "seq", in: "\x1e{\"x\":1}\n\x1e{\"a\":2}\n", want: "\x1e{\"X\":1}\n\x1e{\"a\":2}\n", seq: true},
		{name: "seq multi-line record", in: "\x1e{\n\"x\":1}\n", want: "\x1e{\n\"X\":1}\n", seq: true},
		{name: "seq text before first RS filtered", in: "{\"x\":1}\n\x1e{\"a\":2}\n", want: "{\"X\":1}\n\x1e{\"a\":2}\n", seq: true},
		{name: "seq newline is not a separator", in: "\x1e{\"a\":1}\n{\"x\":2}\n", want: "\x1e{\"A\":1}\n{\"X\":2}\n", seq: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			got, err := Records(in, tt.seq, upper)
			if tt.err {
				if err == nil {
					t.Fatalf("no error: %q", got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if tt.in == tt.want && len(in) > 0 && &got[0] != &in[0] {
				t.Fatal("an unchanged body was copied")
			}
		})
	}
}

func BenchmarkClassify(b *testing.B) {
	pol, _ := NewPolicy([]string{"text/csv"})
	for _, v := range []string{"application/json", "application/json; charset=UTF-8", "application/vnd.api+json", "text/csv", "text/html"} {
		b.Run(strings.ReplaceAll(v, "/", "_"), func(b *testing.B) {
			vals := []string{v}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = pol.Classify(vals)
			}
		})
	}
}

func BenchmarkRecords(b *testing.B) {
	line := `{"id":1,"name":"alice","email":"a@example.com","orders":[1,2,3]}` + "\n"
	body := []byte(strings.Repeat(line, 1000))
	b.Run("unchanged", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Records(body, false, func(r []byte) ([]byte, error) { return r, nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("every record changed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		short := []byte(`{"id":1}`)
		for b.Loop() {
			if _, err := Records(body, false, func([]byte) ([]byte, error) { return short, nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
