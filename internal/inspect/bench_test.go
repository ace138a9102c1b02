package inspect

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/route"
)

// orderJSON is a realistic clean order document of about 1 KiB: nested
// objects, an array of line items, numbers, booleans, nulls, an escaped
// quote, apostrophes and an address.
const orderJSON = `{
  "order_id": "ord_8f3a2c91b7e4",
  "customer": {
    "id": "cus_41d9e2",
    "name": "Siobhán O'Connor",
    "email": "siobhan.oconnor@example.com",
    "phone": "+353 1 555 0142",
    "loyalty": {"tier": "gold", "points": 12840, "member_since": "2019-04-17"}
  },
  "shipping_address": {
    "line1": "14 Harbour View Road",
    "line2": "Apartment 3B",
    "city": "Dún Laoghaire",
    "region": "Co. Dublin",
    "postal_code": "A96 K2X3",
    "country": "IE"
  },
  "items": [
    {"sku": "TSHIRT-BLU-M", "title": "Organic cotton T-shirt, blue (M)", "qty": 2, "unit_price": 24.5, "gift": false},
    {"sku": "MUG-CER-350", "title": "Ceramic mug \"Morning\" 350 ml", "qty": 1, "unit_price": 12.0, "gift": true},
    {"sku": "BOOK-9780141439518", "title": "Pride and Prejudice", "qty": 1, "unit_price": 8.99, "gift": false}
  ],
  "coupon": null,
  "notes": "Please leave the parcel with the neighbour if nobody's home.",
  "payment": {"method": "card", "brand": "visa", "last4": "4242", "3ds": true},
  "currency": "EUR",
  "total": 70.99,
  "created_at": "2024-11-28T09:41:07Z",
  "tags": ["web", "returning-customer", "newsletter"]
}`

func benchInspect(b *testing.B, in *Inspector, req *Request, wantFound bool) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(req.Body) + len(req.RawQuery)))
	for b.Loop() {
		_, found, err := in.Inspect(req)
		if err != nil || found != wantFound {
			b.Fatalf("found=%v err=%v", found, err)
		}
	}
}

func newBenchInspector(b *testing.B, c Config) *Inspector {
	b.Helper()
	in, err := New(c)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkInspectJSON1KiB is the speed target: a clean 1 KiB JSON
// body with all detectors on, plus a typical query, path and cookie.
func BenchmarkInspectJSON1KiB(b *testing.B) {
	in := newBenchInspector(b, Config{})
	benchInspect(b, in, &Request{ContentType: "application/json", Body: []byte(orderJSON)}, false)
}

// proseOrderJSON is a ~1 KiB order with more free text (a name with an
// apostrophe, delivery instructions, notes using SQL words): every prose value
// goes the detectors' long way.
const proseOrderJSON = `{"order_id":"ord_8f3b2a91c4","customer":{"id":48213,"name":"Seán O'Brien","email":"sean.obrien@example.com",` +
	`"phone":"+353 1 555 0192","address":{"street":"12 Harbour View Road","city":"Dún Laoghaire","postcode":"A96 X2P1","country":"IE"}},` +
	`"items":[{"sku":"KB-104-UK","name":"Mechanical keyboard, brown switches","qty":1,"unit_price":89.99},` +
	`{"sku":"MS-220","name":"Wireless mouse (2.4 GHz)","qty":2,"unit_price":24.5},{"sku":"CB-USB-C-2M","name":"USB-C cable 2 m","qty":3,"unit_price":9.99}],` +
	`"shipping":{"method":"express","instructions":"Leave at the back door if nobody answers; ring twice.","gift":false},` +
	`"payment":{"method":"card","last4":"4242","currency":"EUR"},"notes":"Please select the recyclable packaging where possible — thanks!",` +
	`"tags":["returning-customer","newsletter","eu"],"coupon":"WINTER-10","created_at":"2026-11-28T10:15:00Z","source":"web/checkout v3.2.1"}`

func BenchmarkInspectJSON1KiBProse(b *testing.B) {
	in := newBenchInspector(b, Config{})
	benchInspect(b, in, &Request{ContentType: "application/json", Body: []byte(proseOrderJSON)}, false)
}

func BenchmarkInspectJSON1KiBWithRequestLine(b *testing.B) {
	in := newBenchInspector(b, Config{Headers: []string{"X-Client"}})
	req := &Request{
		RawQuery:    "expand=items&lang=en",
		Params:      []route.Param{{Name: "shop", Value: "dublin-01"}},
		Header:      http.Header{"Cookie": {"sid=3f9a2c0e71b54d8e; theme=dark"}, "X-Client": {"web/4.2.1"}},
		ContentType: "application/json",
		Body:        []byte(orderJSON),
	}
	benchInspect(b, in, req, false)
}

func BenchmarkInspectQuery(b *testing.B) {
	in := newBenchInspector(b, Config{})
	req := &Request{RawQuery: "q=organic+cotton+t-shirt&category=apparel%2Fmen&size=M&color=blue&sort=price_asc" +
		"&page=2&per_page=24&filters%5Bbrand%5D%5B%5D=acme&filters%5Bbrand%5D%5B%5D=globex&utm_source=newsletter"}
	benchInspect(b, in, req, false)
}

func BenchmarkInspectForm(b *testing.B) {
	in := newBenchInspector(b, Config{})
	req := &Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(
		"first_name=Siobh%C3%A1n&last_name=O%27Connor&email=siobhan.oconnor%40example.com&phone=%2B353+1+555+0142" +
			"&address=14+Harbour+View+Road%2C+Apartment+3B&city=D%C3%BAn+Laoghaire&postcode=A96+K2X3&country=IE" +
			"&message=Hi%2C+could+you+ship+this+before+Friday%3F+It%27s+a+gift.&newsletter=on")}
	benchInspect(b, in, req, false)
}

func BenchmarkInspectMultipart(b *testing.B) {
	in := newBenchInspector(b, Config{})
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHoliday photos\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"beach.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
		strings.Repeat("\xff\xd8\xff\xe0binary", 100) + "\r\n--XyZ--\r\n"
	benchInspect(b, in, &Request{ContentType: "multipart/form-data; boundary=XyZ", Body: []byte(body)}, false)
}

// BenchmarkInspectAttack is the 1 KiB order with an injection in its last
// string value: the whole document is walked before the finding.
func BenchmarkInspectAttack(b *testing.B) {
	in := newBenchInspector(b, Config{})
	body := strings.Replace(orderJSON, `"newsletter"]`, `"x' OR '1'='1' --"]`, 1)
	benchInspect(b, in, &Request{ContentType: "application/json", Body: []byte(body)}, true)
}

func BenchmarkInspectOperatorAttack(b *testing.B) {
	in := newBenchInspector(b, Config{})
	req := &Request{ContentType: "application/json", Body: []byte(`{"username":"admin","password":{"$ne":null}}`)}
	benchInspect(b, in, req, true)
}
