package sensitive

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

func fuzzSeeds() []string {
	return []string{
		`{"users":[{"id":1,"card_number":"4111 1111 1111 1111","email":"jane@example.com"}]}`,
		`["DE89 3704 0044 0532 0130 00","+1 (415) 555-0100","078-05-1120",4111111111111111]`,
		`{"k":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n","c":"\u0034111111111111111"}`,
		`{"jwt":"` + testJWT() + `","aws":"` + awsKeyID() + `","gh":"` + ghToken() + `"}`,
		`{"h":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy","p":"pbkdf2_sha256$1$salt$aaaaaaaaaaaaaaaa"}`,
		`{"a b":{"jane@example.com":["\ud83d\ude00","\ud800x"]}}`,
		`[1,-0.5e+3,true,false,null,{},[],""]`,
		`{"a":1,}`, `[`, `"\u12"`,
	}
}

// FuzzScan checks that Scan never panics, agrees with encoding/json on what is
// JSON, emits valid JSON, and that its output holds nothing left to redact.
func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	all := redactAll()
	f.Fuzz(func(t *testing.T, doc []byte) {
		in := bytes.Clone(doc)
		out, findings, _, err := Scan(doc, all)
		if !bytes.Equal(doc, in) {
			t.Fatal("Scan modified its input")
		}
		if valid := json.Valid(doc); (err == nil) != valid {
			t.Fatalf("Scan error %v but json.Valid = %v", err, valid)
		}
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %q", out)
		}
		if len(findings) == 0 && !bytes.Equal(out, doc) {
			t.Fatalf("no findings but output changed: %q", out)
		}
		mon := Policy{}
		for _, k := range Kinds() {
			mon[k] = Monitor
		}
		mout, mfind, _, err := Scan(doc, mon)
		if err != nil || !bytes.Equal(mout, doc) || len(mfind) != len(findings) {
			t.Fatalf("monitor scan differs: err=%v changed=%v findings %d vs %d", err, !bytes.Equal(mout, doc), len(mfind), len(findings))
		}
		again, more, _, err := Scan(out, all)
		if err != nil {
			t.Fatalf("rescan: %v", err)
		}
		if len(more) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("rescan of %q found %v", out, more)
		}
	})
}

// FuzzDetect checks that Detect never panics and that no mask re-matches.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"4111-1111-1111-1111", "+44 (0) 20 7946 0958", "DE89370400440532013000", "078-05-1120", "a@b.co", testJWT()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range Detect(s) {
			i, _ := indexOf(k)
			m := appendMask(nil, i, trimSpace([]byte(s)))
			masked, err := strconv.Unquote(string(m))
			if err != nil {
				t.Fatalf("mask %s of %q is not a plain string: %v", m, s, err)
			}
			if got := Detect(masked); len(got) != 0 {
				t.Fatalf("mask %q of %q matches %v", masked, s, got)
			}
		}
	})
}
