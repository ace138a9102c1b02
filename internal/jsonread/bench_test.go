package jsonread

import (
	"encoding/json"
	"strings"
	"testing"
)

// benchDoc returns a request-like JSON document of at least n bytes: records
// with nesting, strings with escapes, numbers and literals.
func benchDoc(n int) []byte {
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

var benchSizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

func BenchmarkParse(b *testing.B) {
	for _, sz := range benchSizes {
		doc := benchDoc(sz.n)
		for _, o := range []struct {
			name string
			opt  Options
		}{
			{"plain", Options{MaxDepth: 64}},
			{"unique-keys", Options{MaxDepth: 64, UniqueKeys: true}},
		} {
			b.Run(sz.name+"/"+o.name, func(b *testing.B) {
				b.SetBytes(int64(len(doc)))
				b.ReportAllocs()
				for b.Loop() {
					ix, err := Parse(doc, o.opt)
					if err != nil {
						b.Fatal(err)
					}
					ix.Release()
				}
			})
		}
		// Kept by the caller (not released): what an Index shared for a
		// whole request costs.
		b.Run(sz.name+"/kept", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(doc, Options{MaxDepth: 64, UniqueKeys: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The standard library's validity check, for scale.
		b.Run(sz.name+"/encoding-json-valid", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkWalk is a guard reading every key and string of a parsed body.
func BenchmarkWalk(b *testing.B) {
	doc := benchDoc(64 << 10)
	ix, err := Parse(doc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i := range ix.Len() {
			n += len(ix.Key(i)) + len(ix.Text(i))
		}
		if n == 0 {
			b.Fatal("empty")
		}
	}
}
