package hygiene

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
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
			if got := scanJSON([]byte(tt.doc), tt.max); got != tt.want {
				t.Fatalf("scanJSON = %d, want %d", got, tt.want)
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
	for _, s := range []string{`{}`, `[1,{"a":"\u00e9"}]`, `"\ud800"`, `1e5`, `[[[[[[1]]]]]]`, `{"a":}`, `-0.0e-0`, " \t\n1\r"} {
		f.Add([]byte(s))
	}
	const maxDepth = 5
	f.Fuzz(func(t *testing.T, data []byte) {
		got := scanJSON(data, maxDepth)
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
