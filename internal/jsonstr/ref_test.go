package jsonstr

import (
	"bytes"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// refAppendUnescaped is AppendUnescaped as it was before it copied plain runs
// whole: FuzzAppendUnescapedMatchesReference holds the two to the same bytes
// on any input, invalid JSON and invalid UTF-8 included.
func refAppendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			dst = append(dst, c)
			i++
			continue
		}
		if b, ok := ShortEscape(raw[i+1]); ok {
			dst = append(dst, b)
			i += 2
			continue
		}
		switch raw[i+1] {
		case 'u':
			if i+6 > len(raw) {
				return append(dst, raw[i:]...)
			}
			r, _ := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					lo, _ := hex4(raw[i+2 : i+6])
					r2 = utf16.DecodeRune(r, lo)
				}
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // not an escape: kept as it is
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

func FuzzAppendUnescapedMatchesReference(f *testing.F) {
	for _, s := range []string{`\u0024ne`, `\ud83d\ude00`, `\ud83d`, `a\nb`, `x\u00e9`, `\`, `ab\`, `\u12`, `\q`, "\xff\\n", `\ud83d\u12`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := AppendUnescaped([]byte("p"), raw), refAppendUnescaped([]byte("p"), raw); !bytes.Equal(got, want) {
			t.Fatalf("AppendUnescaped(%q) = %q, reference %q", raw, got, want)
		}
	})
}
