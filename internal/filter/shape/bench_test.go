package shape

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc is a ~10 KiB user list response. Per user, a third of the bytes
// are fields the contract hides, at depth 2 and 3 (password hash, notes,
// street, card tokens).
func benchDoc(tb testing.TB) []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 0; b.Len() < 10*1024-300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"User \u00e9 %d","email":"u%d@example.com","password_hash":"$2a$10$abcdefghijklmnopqrstuv",`+
			`"address":{"street":"%d Main St","city":"Oslo","zip":"0150"},"notes":"vip \"gold\"",`+
			`"orders":[{"id":%d,"total":12.50,"card_token":"tok_4111"},{"id":%d,"total":1e2,"card_token":"tok_5500"}]}`, i, i, i, i, i*10, i*10+1)
	}
	b.WriteString(`],"meta":{"page":1,"total":1000}}`)
	if b.Len() < 10*1024-300 || b.Len() > 11*1024 {
		tb.Fatalf("bench doc is %d bytes", b.Len())
	}
	return []byte(b.String())
}

func benchFilter(b *testing.B, paths []string, wantRemoved bool) {
	doc, tree := benchDoc(b), mustTree(b, paths...)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		_, n, err := Filter(doc, tree, nil, nil)
		if err != nil || (n > 0) != wantRemoved {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkFilter10KiB(b *testing.B) {
	benchFilter(b, []string{"data.*.id", "data.*.name", "data.*.email", "data.*.address.city", "data.*.address.zip",
		"data.*.orders.*.id", "data.*.orders.*.total", "meta"}, true)
}

func BenchmarkFilterNoop(b *testing.B) {
	benchFilter(b, []string{"data.*.id", "data.*.name", "data.*.email", "data.*.password_hash", "data.*.address",
		"data.*.notes", "data.*.orders.*.id", "data.*.orders.*.total", "data.*.orders.*.card_token", "meta"}, false)
}

func BenchmarkFilterDenyOnly(b *testing.B) {
	doc, deny := benchDoc(b), mustPaths(b, "data.*.password_hash", "data.*.orders.*.card_token")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Filter(doc, nil, deny, nil); err != nil {
			b.Fatal(err)
		}
	}
}
