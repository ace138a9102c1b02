package inspect

import (
	"net/http"
	"testing"
)

// FuzzInspectQuery feeds arbitrary text as a query string, a form body and a
// Cookie header: none of these can be malformed, so there is never an error,
// and findings carry no raw control bytes.
func FuzzInspectQuery(f *testing.F) {
	for _, seed := range []string{
		"", "a=1&b=2", "a[$ne]=1", "filter[where][$gt]=", "q=1%27+OR+%271%27%3D%271", "&&=&=&a",
		"%zz=%", "a%5B%24ne%5D=x", "f=%252e%252e%252fetc%252fpasswd", "x=%u002e%u002e/", "a=%c0%ae%c0%ae/",
		"n=\x00\x1b[31m", "j:{\"$ne\":null}",
	} {
		f.Add(seed)
	}
	in, err := New(Config{Exclusions: []Exclusion{{Field: "query.a.**", Detectors: []string{"sqli"}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		reqs := []Request{
			{RawQuery: raw},
			{ContentType: "application/x-www-form-urlencoded", Body: []byte(raw)},
			{Header: http.Header{"Cookie": {raw}}},
		}
		for _, req := range reqs {
			finding, found, err := in.Inspect(&req)
			if err != nil {
				t.Fatalf("Inspect(%+v): %v", req, err)
			}
			checkFinding(t, finding, found)
		}
	})
}

// FuzzInspectMultipart: no panic, and findings are clean, for any body.
func FuzzInspectMultipart(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../x\"\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name*=UTF-8''%1b\r\n\r\nx\r\n--b--\r\n"))
	in, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		finding, found, _ := in.Inspect(&Request{ContentType: "multipart/form-data; boundary=b", Body: body})
		checkFinding(t, finding, found)
	})
}
