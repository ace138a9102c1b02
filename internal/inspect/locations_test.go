package inspect

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/route"
)

const mpType = "multipart/form-data; boundary=B"

func multipartBody(disposition, value string) []byte {
	return []byte("--B\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\n" + value + "\r\n--B--\r\n")
}

// payloadIsField marks a name location: the payload is the field.
const payloadIsField = "\x00"

type locationBuilder struct {
	location, field string
	build           func(p string) Request
}

// locationBuilders places a payload in each location.
func locationBuilders() []locationBuilder {
	jsonString := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	return []locationBuilder{
		{"query", "v", func(p string) Request { return Request{RawQuery: "v=" + url.QueryEscape(p)} }},
		{"query_name", payloadIsField, func(p string) Request { return Request{RawQuery: url.QueryEscape(p) + "=1"} }},
		{"path", "id", func(p string) Request { return Request{Params: []route.Param{{Name: "id", Value: p}}} }},
		{"cookie", "c", func(p string) Request { return Request{Header: header("Cookie", "c="+url.PathEscape(p))} }},
		{"header", "X-Q", func(p string) Request { return Request{Header: header("X-Q", p)} }},
		{"body", "a[0].b", func(p string) Request {
			return Request{ContentType: jsonType, Body: []byte(`{"a":[{"b":` + jsonString(p) + `}]}`)}
		}},
		{"body_key", payloadIsField, func(p string) Request {
			return Request{ContentType: jsonType, Body: []byte(`{` + jsonString(p) + `:1}`)}
		}},
		{"body", "", func(p string) Request { return Request{ContentType: "text/plain", Body: []byte(p)} }},
		{"body", "r.v", func(p string) Request {
			var b strings.Builder
			_ = xml.EscapeText(&b, []byte(p))
			return Request{ContentType: "application/xml", Body: []byte("<r><v>" + b.String() + "</v></r>")}
		}},
		{"form", "v", func(p string) Request {
			return Request{ContentType: "application/x-www-form-urlencoded", Body: []byte("v=" + url.QueryEscape(p))}
		}},
		{"form_name", payloadIsField, func(p string) Request {
			return Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(url.QueryEscape(p) + "=1")}
		}},
		{"multipart", "v", func(p string) Request { return Request{ContentType: mpType, Body: multipartBody(`name="v"`, p)} }},
	}
}

// TestEachDetectorReachesEachLocation places each detector's payload in each
// location, with only that detector on, and expects it found there.
func TestEachDetectorReachesEachLocation(t *testing.T) {
	payloads := map[string]string{
		"sqli":      sqliPayload,
		"cmdi":      cmdiPayload,
		"traversal": traversalPayload,
		"nosqli":    `{"$where": "sleep(5000) || 1==1"}`,
	}
	locations := locationBuilders()
	for det, payload := range payloads {
		in, err := New(Config{Detectors: []string{det}, Headers: []string{"X-Q"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range locations {
			t.Run(det+" in "+loc.location+" "+loc.field, func(t *testing.T) {
				req := loc.build(payload)
				f, found, err := in.Inspect(&req)
				if err != nil || !found {
					t.Fatalf("found=%v err=%v", found, err)
				}
				field := loc.field
				if field == payloadIsField { // a name location
					field = printable(payload)
				}
				if f.Detector != det || f.Location != loc.location || f.Field != field {
					t.Fatalf("finding %+v, want %s at %s %q", f, det, loc.location, field)
				}
			})
		}
	}
	in, _ := New(Config{Detectors: []string{"traversal"}})
	req := Request{ContentType: mpType, Body: multipartBody(`name="f"; filename="`+traversalPayload+`"`, "content")}
	if f, found, err := in.Inspect(&req); err != nil || !found || f.Location != "filename" || f.Field != "f" {
		t.Fatalf("filename: finding %+v found=%v err=%v", f, found, err)
	}
}
