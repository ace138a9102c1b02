package waf

import (
	"fmt"
	"strings"
	"testing"
)

// cleanOrder is a realistic ~1 KiB JSON order with nothing to find.
func cleanOrder() []byte {
	var b strings.Builder
	b.WriteString(`{"customer":{"id":"c_4f2a9e","name":"Ann Example","email":"ann@example.com",` +
		`"address":{"line1":"12 High Street","city":"Bristol","postcode":"BS1 4DJ","country":"GB"}},"items":[`)
	for i := range 10 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","name":"Widget model %d","qty":%d,"unit_price":%d.99}`, 1000+i, i, i+1, 10+i)
	}
	b.WriteString(`],"currency":"GBP","note":"Please leave the parcel with the neighbour at number 14.",` +
		`"gift":false,"coupon":null,"metadata":{"channel":"web","campaign":"spring-sale"}}`)
	return []byte(b.String())
}

func BenchmarkCheckJSONPost(b *testing.B) {
	w := testWAF(b, Config{Paranoia: 1})
	body := cleanOrder()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := req("POST", "/api/orders", "application/json", body)
		v, err := w.Check(r, body)
		if err != nil || v.Blocked {
			b.Fatalf("%+v %v", v, err)
		}
	}
}

func BenchmarkCheckGet(b *testing.B) {
	w := testWAF(b, Config{Paranoia: 1})
	b.ReportAllocs()
	for b.Loop() {
		r := req("GET", "/api/items?page=2&per_page=50&sort=-created_at&q=blue+widget", "", nil)
		v, err := w.Check(r, nil)
		if err != nil || v.Blocked {
			b.Fatalf("%+v %v", v, err)
		}
	}
}

func BenchmarkCheckGetPL2(b *testing.B) {
	w := testWAF(b, Config{Paranoia: 2})
	b.ReportAllocs()
	for b.Loop() {
		r := req("GET", "/api/items?page=2&per_page=50&sort=-created_at&q=blue+widget", "", nil)
		if _, err := w.Check(r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{Paranoia: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
