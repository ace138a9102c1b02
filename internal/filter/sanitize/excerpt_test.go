package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExcerpt(t *testing.T) {
	cases := []struct {
		name string
		body string
		n    int
		want string
	}{
		{"fits", "hello", 10, "hello"},
		{"exact", "hello", 5, "hello"},
		{"truncated", "hello world", 8, "hello..."},
		{"newlines escaped", "a\nb\r\n\tc", 20, `a\nb\r\n\tc`},
		{"control escaped", "a\x1b[31mb\x00\x7f", 40, `a\x1b[31mb\x00\x7f`},
		{"backslash doubled", `a\nb`, 10, `a\\nb`},
		{"invalid utf8", "a\xffb", 10, `a\xffb`},
		{"utf8 kept", "héllo €", 20, "héllo €"},
		{"rune not split", "aé€", 5, "a..."},
		{"bidi override", "a\u202eb", 20, `a\u202eb`},
		{"line separator", "a\u2028b", 20, `a\u2028b`},
		{"c1 control", "a\u0085b", 20, `a\u0085b`},
		{"escape not split", "ab\ncdefgh", 6, "ab..."},
		{"escaped fits without ellipsis", "a\n", 3, `a\n`},
		{"tiny n", "hello", 2, ".."},
		{"zero n", "hello", 0, ""},
		{"negative n", "hello", -1, ""},
		{"empty", "", 10, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Excerpt([]byte(tc.body), tc.n)
			if got != tc.want {
				t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.body, tc.n, got, tc.want)
			}
		})
	}
}

func FuzzExcerpt(f *testing.F) {
	for _, s := range []string{"", "a\nb", "\xff\xfe", "é€\u202e", strings.Repeat("x", 100)} {
		f.Add([]byte(s), 10)
	}
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		n %= 1 << 12
		got := Excerpt(body, n)
		if len(got) > max(n, 0) {
			t.Fatalf("len %d > n %d", len(got), n)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
				t.Fatalf("unescaped control %U in %q", r, got)
			}
		}
	})
}

func BenchmarkExcerpt(b *testing.B) {
	body := benignJSON(10 << 10)
	b.ReportAllocs()
	for b.Loop() {
		Excerpt(body, 1024)
	}
}
