package jsonfields

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc is a ~10 KiB response: an array of orders with nested objects.
func benchDoc(tb testing.TB) []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; b.Len() < 10*1024-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"owner_id":"u%d","total":1234.5678901234567890,"items":[{"sku":"A-%d","price":9.99},{"sku":"B","price":1}],"note":"caf\u00e9 \"%d\""}`, i, i%3, i, i)
	}
	b.WriteString(`],"role":"admin","profile":{"is_admin":true,"name":"x"}}`)
	if b.Len() < 10*1024-300 || b.Len() > 11*1024 {
		tb.Fatalf("bench doc is %d bytes", b.Len())
	}
	return []byte(b.String())
}

func BenchmarkFind(b *testing.B) {
	doc, ps := benchDoc(b), paths(b, "role", "profile.is_admin", "orders.*.items.*.price")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Find(doc, ps); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStripNoMatch(b *testing.B) {
	doc, ps := benchDoc(b), paths(b, "password", "profile.secret")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Strip(doc, ps); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStrip(b *testing.B) {
	doc, ps := benchDoc(b), paths(b, "role", "profile.is_admin", "orders.*.items.*.price")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Strip(doc, ps); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValues(b *testing.B) {
	doc, p := benchDoc(b), paths(b, "orders.*.id")[0]
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Values(doc, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterArray(b *testing.B) {
	doc, ps := benchDoc(b), paths(b, "/orders", "owner_id")
	want := []string{"u1"}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := FilterArray(doc, ps[0], ps[1], want); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindAnyDepth is BenchmarkFind with write-protected bare names,
// which follow every container of the document (readonly_fields).
func BenchmarkFindAnyDepth(b *testing.B) {
	doc, ps := benchDoc(b), fields(b, "role", "is_admin", "profile.verified")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Find(doc, ps); err != nil {
			b.Fatal(err)
		}
	}
}
