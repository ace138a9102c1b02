package inspect

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// jsonUnescape reads a quoted JSON string as the inspector does (jsonread,
// strictly) and returns its decoded text.
func jsonUnescape(t testing.TB, quoted string) (string, bool) {
	t.Helper()
	ix, err := jsonread.Parse([]byte(quoted), jsonread.Options{MaxDepth: MaxJSONDepth})
	if err != nil || ix.Kind(0) != jsonread.String {
		return "", false
	}
	defer ix.Release()
	return string(ix.Text(0)), true
}

func TestUnescapeAgreesWithEncodingJSON(t *testing.T) {
	for _, q := range []string{
		`"plain"`, `"\u0024ne"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`,
		`"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\ud83d\ude00"`, `"\u0000"`, `"é\u00e9"`, `"\uFF0E\uff0e/"`,
	} {
		t.Run(q, func(t *testing.T) {
			got, ok := jsonUnescape(t, q)
			if !ok {
				t.Fatal("rejected")
			}
			var want string
			if err := json.Unmarshal([]byte(q), &want); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("unescape(%s) = %q, want %q", q, got, want)
			}
		})
	}
}

// FuzzInspectJSON feeds arbitrary bodies to the JSON walker: it must never
// panic, must refuse what encoding/json refuses unless it stopped at a
// finding first, must accept every valid UTF-8 document, and findings must
// carry no raw control bytes.
func FuzzInspectJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a":"b"}`, `[]`, `{}`, `[[[[]]]]`, `{"a":{"$ne":null}}`, `{"\u0024where":"sleep(1)"}`,
		`{"items":[{"n":"../../etc/passwd"}],"x":1.5e-3,"t":true,"f":false,"z":null}`,
		`"top"`, `123`, `{"a":"\ud83d\ude00","b":"\ud83d"}`, `{"a":1,"a":2}`, `{"a":"1' OR '1'='1"}`,
		`{"a`, `{"a":}`, `[1,]`, "{\"a\":\"\x01\"}", "{\"\xff\":1}", `{"a":"x"} junk`,
	} {
		f.Add([]byte(seed))
	}
	in, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		finding, found, err := in.Inspect(&Request{ContentType: jsonType, Body: body})
		checkFinding(t, finding, found)
		valid := json.Valid(body) && utf8.Valid(body)
		if err == nil && !found && len(body) > 0 && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if err != nil && valid {
			t.Fatalf("refused valid JSON %q: %v", body, err)
		}
		if len(body) > 0 && body[0] == '"' && json.Valid(body) && utf8.Valid(body) {
			var want string
			if json.Unmarshal(body, &want) == nil {
				if got, ok := jsonUnescape(t, string(body)); ok && got != want {
					t.Fatalf("unescape(%q) = %q, want %q", body, got, want)
				}
			}
		}
	})
}

// checkFinding asserts what every finding must satisfy.
func checkFinding(t *testing.T, f Finding, found bool) {
	t.Helper()
	if !found {
		if f != (Finding{}) {
			t.Fatalf("finding %+v without found", f)
		}
		return
	}
	if f.Detector == "" || f.Rule == "" || f.Location == "" {
		t.Fatalf("incomplete finding %+v", f)
	}
	if len(f.Field) > maxFieldBytes {
		t.Fatalf("Field %q longer than %d bytes", f.Field, maxFieldBytes)
	}
	if !utf8.ValidString(f.Field) {
		t.Fatalf("Field %q is not UTF-8", f.Field)
	}
	for i := 0; i < len(f.Field); i++ {
		if c := f.Field[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("Field %q holds control byte %#x", f.Field, c)
		}
	}
}

// TestInspectSharedIndex: a body the gateway already read (Request.JSON) is
// inspected from that index, with the same finding and path as when the
// inspector reads it itself.
func TestInspectSharedIndex(t *testing.T) {
	in, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"items":[{"n":"ok"},{"n":"../../etc/passwd"}]}`,
		`{"filter":{"\u0024where":"sleep(1)"}}`,
		`{"a":[[],{}],"b":"clean"}`,
	} {
		ix, err := jsonread.Parse([]byte(body), jsonread.Options{})
		if err != nil {
			t.Fatal(err)
		}
		own, ownFound, err1 := in.Inspect(&Request{ContentType: jsonType, Body: []byte(body)})
		shared, sharedFound, err2 := in.Inspect(&Request{ContentType: jsonType, Body: []byte(body), JSON: ix})
		if own != shared || ownFound != sharedFound || err1 != nil || err2 != nil {
			t.Errorf("%s: own %+v %v %v, shared %+v %v %v", body, own, ownFound, err1, shared, sharedFound, err2)
		}
	}
	if _, _, err := in.Inspect(&Request{ContentType: jsonType, Body: []byte(`{"a":`)}); err == nil {
		t.Error("malformed body inspected")
	}
}
