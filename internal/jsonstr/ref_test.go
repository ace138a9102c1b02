package jsonstr

import (
	"bytes"
	"testing"
)

// refAppendUnescaped is AppendUnescaped as it was before it copied plain runs
// whole, a byte at a time up to each backslash; the escapes themselves go
// through the same appendEscape (FuzzAppendUnescaped holds those to
// encoding/json). FuzzAppendUnescapedMatchesReference holds the run copying
// to the byte loop on any input, invalid JSON and invalid UTF-8 included.
func refAppendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			dst = append(dst, raw[i])
			i++
			continue
		}
		dst, i = appendEscape(dst, raw, i)
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
