package waf

import (
	"net/http"
	"testing"
)

// FuzzCheck feeds attacker-shaped request targets, content types and bodies: Check
// must neither fail nor return a status other than the ones Coraza and CRS use.
func FuzzCheck(f *testing.F) {
	f.Add("/api/items?id=1", "", []byte(nil))
	f.Add("/api/items?id=1%27%20OR%201=1--", "", []byte(nil))
	f.Add("/a?b[$ne]=1&b[$ne]=2", "application/x-www-form-urlencoded", []byte("x=1&y=%zz"))
	f.Add("/orders", "application/json", []byte(`{"a":[{"b":{"c":"' or 1=1--"}}]}`))
	f.Add("/orders", "application/json", []byte(`{"a":`))
	f.Add("/upload", "multipart/form-data; boundary=xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n"))
	f.Add("/x?%", "text/xml", []byte("<a><b>../../etc/passwd</b></a>"))
	w := testWAF(f, Config{Paranoia: 2, BodyLimit: 4096})
	f.Fuzz(func(t *testing.T, target, ctype string, body []byte) {
		r := req("POST", "/", "", nil)
		r.RequestURI = target
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		v, err := w.Check(r, body)
		if err != nil {
			t.Fatalf("Check(%q, %q): %v", target, ctype, err)
		}
		switch {
		case !v.Blocked && v.Status != 0:
			t.Fatalf("status %d without a block", v.Status)
		case v.Blocked && v.Status != http.StatusForbidden && v.Status != http.StatusBadRequest &&
			v.Status != http.StatusRequestEntityTooLarge:
			t.Fatalf("unexpected status %d", v.Status)
		case len(v.RuleIDs) > maxRuleIDs:
			t.Fatalf("%d rule ids, bound is %d", len(v.RuleIDs), maxRuleIDs)
		}
	})
}
