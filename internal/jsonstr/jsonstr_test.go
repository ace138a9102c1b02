package jsonstr

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendUnescaped(t *testing.T) {
	cases := []struct{ name, raw, want string }{
		{"plain", `abc`, "abc"},
		{"short escapes", `a\"b\\c\/d\b\f\n\r\t`, "a\"b\\c/d\b\f\n\r\t"},
		{"dollar", `\u0024ne`, "$ne"},
		{"pair", `\ud83d\ude00`, "😀"},
		{"lone high", `\ud83dx`, "\uFFFDx"},
		{"lone low", `\ude00`, "\uFFFD"},
		{"high then non-low", `\ud83d\u0041`, "\uFFFDA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(AppendUnescaped(nil, []byte(c.raw))); got != c.want {
				t.Fatalf("AppendUnescaped(%s) = %q, want %q", c.raw, got, c.want)
			}
		})
	}
}

// FuzzAppendUnescaped checks against encoding/json on every valid string.
func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range []string{`\u0024ne`, `\ud83d\ude00`, `\ud83d`, `a\nb`, `x\u00e9`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !utf8.ValidString(raw) {
			return // encoding/json replaces invalid bytes; AppendUnescaped keeps them
		}
		var want string
		if json.Unmarshal([]byte(`"`+raw+`"`), &want) != nil {
			return // only validated input is in the contract
		}
		if got := string(AppendUnescaped(nil, []byte(raw))); got != want {
			t.Fatalf("AppendUnescaped(%q) = %q, encoding/json says %q", raw, got, want)
		}
	})
}

func BenchmarkAppendUnescaped(b *testing.B) {
	raw := []byte(`Seán O\u2019Brien \u0024ne \"quoted\" and a tab\t`)
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendUnescaped(buf[:0], raw)
	}
}

func TestEscapeLen(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{`\n`, 2}, {`\"x`, 2}, {`\/`, 2}, {`\u0024`, 6}, {`\uFFFD`, 6}, {`\uffff rest`, 6},
		{`\u12`, 0}, {`\u12G4`, 0}, {`\x41`, 0}, {`\`, 0}, {``, 0},
	}
	for _, c := range cases {
		if got := EscapeLen([]byte(c.in)); got != c.want {
			t.Errorf("EscapeLen(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}
