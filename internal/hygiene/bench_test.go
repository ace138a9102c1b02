package hygiene

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func BenchmarkCheckHeaders(b *testing.B) {
	r := httptest.NewRequest(http.MethodPost, "/users/42/orders?limit=10", nil)
	r.Header = http.Header{
		"Accept":          {"application/json"},
		"Accept-Encoding": {"gzip, br"},
		"Authorization":   {"Bearer " + strings.Repeat("t", 400)},
		"Content-Type":    {"application/json"},
		"Content-Length":  {"120"},
		"User-Agent":      {"bench/1.0"},
		"X-Forwarded-For": {"198.51.100.7, 10.0.0.2"},
	}
	l := DefaultLimits()
	b.ReportAllocs()
	for b.Loop() {
		if p := CheckHeaders(r, &l); p != nil {
			b.Fatal(p)
		}
	}
}

func BenchmarkClientIP(b *testing.B) {
	tr := mustTrusted(b, "10.0.0.0/8", "172.16.0.0/12", "2001:db8::/32")
	tests := []struct {
		name string
		h    http.Header
	}{
		{"xff", http.Header{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7, 10.0.0.3, 10.0.0.2"}}},
		{"forwarded", http.Header{"Forwarded": {`for=6.6.6.6, for="198.51.100.7:4711";proto=https, for="[2001:db8::2]"`}}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if a, _ := ClientIP("10.0.0.1:40000", tt.h, tr); !a.IsValid() {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// benchJSON returns a JSON document of at least n bytes with nesting, strings
// with escapes and numbers.
func benchJSON(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; sb.Len() < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id":12345,"name":"widget \"x\" \u00e9","price":-12.5e2,"tags":["a","b"],"ok":true,"n":null}`)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func BenchmarkJSONDepth(b *testing.B) {
	doc := benchJSON(10 << 10)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := scanJSON(doc, 64, false); v != jsonOK {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkJSONUniqueKeys is BenchmarkJSONDepth with the duplicate-key check:
// the same single pass; what it adds is folding and hashing every key.
func BenchmarkJSONUniqueKeys(b *testing.B) {
	for _, tc := range []struct {
		name string
		doc  []byte
	}{
		{"10KiB-records", benchJSON(10 << 10)},
		{"one-object-20k-keys", benchWideObject(20000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.doc)))
			b.ReportAllocs()
			for b.Loop() {
				if v, _ := scanJSON(tc.doc, 64, true); v != jsonOK {
					b.Fatal("rejected")
				}
			}
		})
	}
}

// benchWideObject is one object of n distinct keys.
func benchWideObject(n int) []byte {
	var sb strings.Builder
	sb.WriteByte('{')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"field_`)
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString(`":1`)
	}
	sb.WriteByte('}')
	return []byte(sb.String())
}

func BenchmarkRequestID(b *testing.B) {
	g, err := NewIDs()
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		_ = RequestID(g, h, false)
	}
}
