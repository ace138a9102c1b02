package sensitive

import (
	"fmt"
	"strings"
	"testing"
)

// benchDoc builds a realistic API response of at least size bytes: orders with
// ids, UUIDs, timestamps, prices, URLs and prose. withFindings adds an email,
// a card and a phone to every fourth order.
func benchDoc(size int, withFindings bool) []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"uuid":"3f2b8c1e-9a4d-4e2b-8f1a-%012d","created_at":"2024-11-28T10:%02d:00Z",`+
			`"ts":17328000%08d,"status":"shipped","total":{"amount":"129.90","currency":"EUR"},`+
			`"sku":"SKU-%06d","url":"https://shop.example.com/orders/%d?ref=newsletter",`+
			`"note":"Leave the parcel with the neighbour if nobody answers the door.","version":"4.1.%d"`,
			i, i, i%60, i, i, i, i%10)
		if withFindings && i%4 == 0 {
			b.WriteString(`,"email":"jane.doe@example.com","card":"4111 1111 1111 1111","phone":"+1 (415) 555-0100"`)
		}
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkScanClean10KiB(b *testing.B) {
	doc := benchDoc(10<<10, false)
	p := redactAll()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, f, _, err := Scan(doc, p); err != nil || len(f) != 0 {
			b.Fatal(err, f)
		}
	}
}

func BenchmarkScanWithFindings(b *testing.B) {
	doc := benchDoc(10<<10, true)
	p := redactAll()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, f, _, err := Scan(doc, p); err != nil || len(f) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	in := []string{"Leave the parcel with the neighbour", "4111 1111 1111 1111", "jane.doe@example.com", testJWT()}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			_ = Detect(s)
		}
	}
}
