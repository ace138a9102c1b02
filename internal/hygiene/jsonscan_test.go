package hygiene

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonreadtest"
)

func TestScanJSON(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		max  int
		want jsonVerdict
	}{
		{"scalar", `1`, 1, jsonOK},
		{"scalar depth 0 cap", `"x"`, 0, jsonOK},
		{"empty object", ` {} `, 1, jsonOK},
		{"empty array", "[\n]", 1, jsonOK},
		{"nested at cap", `{"a":[{"b":[]}]}`, 4, jsonOK},
		{"nested over cap", `{"a":[{"b":[1]}]}`, 3, jsonTooDeep},
		{"empty nested over cap", `[[]]`, 1, jsonTooDeep},
		{"no cap", strings.Repeat("[", 1000) + strings.Repeat("]", 1000), 0, jsonOK},
		{"deep cap beyond small stack", strings.Repeat(`{"a":[`, 200) + "1" + strings.Repeat("]}", 200), 400, jsonOK},
		{"deep mismatch beyond small stack", strings.Repeat(`{"a":[`, 200) + "1" + strings.Repeat("}]", 200), 400, jsonInvalid},
		{"numbers", `[0,-0,1.5,-2e10,3E+2,4e-1,123456789]`, 2, jsonOK},
		{"literals", `[true,false,null]`, 2, jsonOK},
		{"escapes", `"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"`, 1, jsonOK},
		{"utf8", `"héllo 世界 😀"`, 1, jsonOK},
		{"empty", ``, 1, jsonInvalid},
		{"space only", `  `, 1, jsonInvalid},
		{"trailing comma", `[1,]`, 2, jsonInvalid},
		{"trailing data", `{} {}`, 2, jsonInvalid},
		{"leading zero", `01`, 1, jsonInvalid},
		{"bare minus", `-`, 1, jsonInvalid},
		{"dot no digits", `1.`, 1, jsonInvalid},
		{"exp no digits", `1e+`, 1, jsonInvalid},
		{"plus sign", `+1`, 1, jsonInvalid},
		{"bad escape", `"\x"`, 1, jsonInvalid},
		{"short unicode", `"\u12"`, 1, jsonInvalid},
		{"control char", "\"a\x01\"", 1, jsonInvalid},
		{"invalid utf8", "\"\xff\"", 1, jsonInvalid},
		{"unterminated string", `"abc`, 1, jsonInvalid},
		{"mismatched close", `[}`, 1, jsonInvalid},
		{"missing colon", `{"a" 1}`, 1, jsonInvalid},
		{"non-string key", `{1:2}`, 1, jsonInvalid},
		{"unclosed", `[1,[2]`, 3, jsonInvalid},
		{"truncated literal", `tru`, 1, jsonInvalid},
		{"single quotes", `'a'`, 1, jsonInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, unique := range []bool{false, true} {
				if got, dup := scanJSON([]byte(tt.doc), tt.max, unique); got != tt.want || dup != "" {
					t.Fatalf("scanJSON(unique %v) = %d %q, want %d", unique, got, dup, tt.want)
				}
			}
		})
	}
}

// jsonDepth returns the maximum nesting depth of a document by counting
// brackets outside strings; it is exact for valid JSON.
func jsonDepth(data []byte) int {
	depth, maxDepth, inStr, esc := 0, 0, false, false
	for _, c := range data {
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr && c == '"':
			inStr = false
		case inStr:
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxDepth
}

// FuzzJSONDepth checks the scanner against encoding/json: on valid UTF-8 whose
// nesting is within the cap, both must agree on validity; a valid document over
// the cap must be refused as too deep.
func FuzzJSONDepth(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":{"b":[{"c":1,"\u0063":2}]}}`, `[{"x":1},{"x":1,"y":{"X":0}}]`, `{}`, `[1,{"a":"\u00e9"}]`, `"\ud800"`, `1e5`, `[[[[[[1]]]]]]`, `{"a":}`, `-0.0e-0`, " \t\n1\r"} {
		f.Add([]byte(s))
	}
	const maxDepth = 5
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _ := scanJSON(data, maxDepth, false)
		// The key check refuses more, never less; a document both malformed
		// and with a duplicate key in an object closed before the error may
		// be refused for the duplicate.
		if unique, dup := scanJSON(data, maxDepth, true); unique != got && unique != jsonDuplicateKey {
			t.Fatalf("%q: %d without the key check, %d (%q) with it", data, got, unique, dup)
		} else if got == jsonOK || unique == jsonDuplicateKey && json.Valid(data) {
			want := jsonreadtest.RefDuplicates(data)
			if (unique == jsonDuplicateKey) != (len(want) > 0) || (dup != "" && !want[dup] && !strings.Contains(dup, "…")) {
				t.Fatalf("%q: duplicate %q, reference %v", data, dup, want)
			}
		}
		if !utf8.Valid(data) {
			if got == jsonOK {
				t.Fatalf("accepted invalid UTF-8 %q", data)
			}
			return
		}
		valid := json.Valid(data)
		if valid && jsonDepth(data) > maxDepth {
			if got != jsonTooDeep {
				t.Fatalf("deep document %q: verdict %d", data, got)
			}
			return
		}
		if got == jsonTooDeep {
			return // invalid input that nests past the cap before it fails
		}
		if (got == jsonOK) != valid {
			t.Fatalf("scanJSON(%q) = %d, json.Valid = %v", data, got, valid)
		}
	})
}

func TestScanJSONDuplicateKeys(t *testing.T) {
	tests := []struct{ name, doc, pointer string }{
		{"none", `{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, ""},
		{"same key in sibling objects", `[{"id":1},{"id":2}]`, ""},
		{"exact", `{"from_account":"alice","from_account":"bob"}`, "/from_account"},
		{"case", `{"from_account":"alice","From_Account":"bob"}`, "/From_Account"},
		{"escape", `{"from_account":"alice","\u0046rom_account":"bob"}`, "/From_account"},
		{"full-width", `{"role":"user","ｒｏｌｅ":"admin"}`, "/ｒｏｌｅ"},
		{"kelvin sign", "{\"kind\":1,\"\u212aind\":2}", "/\u212aind"},
		{"long s", `{"pass":1,"pa\u017f\u017f":2}`, "/paſſ"},
		{"nul-terminated", `{"role":1,"role\u0000admin":2}`, "/role\x00admin"},
		{"lone surrogates", `{"\ud800":1,"\udc00":2}`, "/\ufffd"},
		{"nested", `{"user":{"name":"x","role":"user","ROLE":"admin"}}`, "/user/ROLE"},
		{"in array", `{"items":[{"id":1},{"id":2,"Id":3}]}`, "/items/1/Id"},
		{"root array", `[1,[2,{"a":1,"A":2}]]`, "/1/1/A"},
		{"deep after empty siblings", `{"a":{},"b":[],"c":[[],{}],"d":{"e":[0,0,{"f":1,"f":2}]}}`, "/d/e/2/f"},
		{"pointer escapes", `{"a/b":{"c~d":{"x":1,"X":2}}}`, "/a~1b/c~0d/X"},
		{"key of an empty object repeated", `{"a":{},"a":{}}`, "/a"},
		{"not across nesting", `{"a":{"a":{"a":1}}}`, ""},
		{"values are not keys", `{"a":"A","b":"a"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := jsonOK
			if tt.pointer != "" {
				want = jsonDuplicateKey
			}
			got, dup := scanJSON([]byte(tt.doc), 64, true)
			if got != want || dup != tt.pointer {
				t.Fatalf("scanJSON = %d %q, want %d %q", got, dup, want, tt.pointer)
			}
			if v, _ := scanJSON([]byte(tt.doc), 64, false); v != jsonOK {
				t.Fatalf("without the key check: %d", v)
			}
		})
	}
}

// TestScanJSONDuplicateKeysLargeObject: objects past the pair-by-pair size
// are sorted; a duplicate anywhere in them is found, and none is invented.
func TestScanJSONDuplicateKeysLargeObject(t *testing.T) {
	for _, n := range []int{pairwiseKeys, pairwiseKeys + 1, 1000, 50000} {
		var b strings.Builder
		b.WriteString(`{"wrap":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":%d`, i, i)
		}
		if v, dup := scanJSON([]byte(b.String()+"}}"), 64, true); v != jsonOK {
			t.Fatalf("%d keys: %d %q", n, v, dup)
		}
		b.WriteString(`,"K0":1}}`)
		if v, dup := scanJSON([]byte(b.String()), 64, true); v != jsonDuplicateKey || dup != "/wrap/K0" {
			t.Fatalf("%d keys and a duplicate: %d %q", n, v, dup)
		}
	}
}

// TestScanJSONDuplicatePointerBounded: a huge key is cut in the problem.
func TestScanJSONDuplicatePointerBounded(t *testing.T) {
	k := strings.Repeat("é", 200)
	_, dup := scanJSON([]byte(`{"`+k+`":{"`+k+`":1,"`+k+`":2}}`), 64, true)
	if len(dup) > maxPointerBytes+len("…") || !utf8.ValidString(dup) || !strings.HasPrefix(dup, "/éé") {
		t.Fatalf("pointer %d bytes: %q", len(dup), dup)
	}
}
