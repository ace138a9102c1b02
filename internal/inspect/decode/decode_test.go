package decode

import (
	"testing"
	"unicode/utf8"
)

func TestValue(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "hello world", "hello world"},
		{"empty", "", ""},
		{"single", "%27%20OR%201%3D1", "' OR 1=1"},
		{"double", "%252e%252e%252f", "../"},
		{"triple", "%25252e", "."},
		{"nested hex digits", "%%32%65", "."},
		{"iis unicode", "%u002e%u002E/", "../"},
		{"iis fullwidth", "%uff0e%uff0e%u2215", "..\u2215"},
		{"overlong 2 byte", "%c0%ae%c0%ae%c0%af", "../"},
		{"overlong 3 byte", "%e0%80%ae", "."},
		{"overlong raw", "\xc0\xae\xc0\xaf", "./"},
		{"fullwidth raw", "\uff53\uff45\uff4c\uff45\uff43\uff54", "select"},
		{"ideographic space", "a\u3000b", "a b"},
		{"plus untouched", "a+b", "a+b"},
		{"encoded plus", "a%2Bb", "a+b"},
		{"malformed kept", "100%", "100%"},
		{"malformed mid", "%zz%41", "%zzA"},
		{"short u", "%u12", "%u12"},
		{"surrogate", "%ud800", "\uFFFD"},
		{"high byte", "%C3%A9", "é"},
		{"lone high byte", "%FF", "\xff"},
		{"non-ascii kept", "naïve café", "naïve café"},
		{"percent sign encoded", "%25", "%"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Value(c.in); got != c.want {
				t.Fatalf("Value(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestQueryComponent(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1+OR+1%3D1", "1 OR 1=1"},
		{"a%2Bb", "a+b"},
		{"plain", "plain"},
		{"%2527+--", "' --"},
	}
	for _, c := range cases {
		if got := QueryComponent(c.in); got != c.want {
			t.Errorf("QueryComponent(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestValueDoesNotAllocateOnPlainInput(t *testing.T) {
	s := "an ordinary value with no escapes at all 12345"
	if n := testing.AllocsPerRun(100, func() { _ = Value(s) }); n != 0 {
		t.Fatalf("Value allocated %.0f times on plain input", n)
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{"%252e%252e%252f", "%u002e", "%c0%ae", "\uff0e", "%", "%%32%65", "a+b%2B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Value(s)
		if again := Value(s); again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		if len(got) > len(s)*3+8 {
			t.Fatalf("output %d bytes from %d", len(got), len(s))
		}
		if utf8.ValidString(s) && !needsWork(s) && got != s {
			t.Fatalf("changed a value with nothing to decode: %q -> %q", s, got)
		}
		_ = QueryComponent(s)
	})
}

func BenchmarkValuePlain(b *testing.B) {
	b.ReportAllocs()
	s := "ordinary-search-term 12345"
	for b.Loop() {
		_ = Value(s)
	}
}

func BenchmarkValueEncoded(b *testing.B) {
	b.ReportAllocs()
	s := "1%27%20UNION%20SELECT%20password%20FROM%20users--"
	for b.Loop() {
		_ = Value(s)
	}
}

func TestValueDoesNotCopyOrdinaryText(t *testing.T) {
	for _, s := range []string{"Seán Ó Briain", "Zoë Müller-Lüdenscheidt", "東京都 渋谷区", "emoji 🎉 ok", "Ωmega"} {
		if n := testing.AllocsPerRun(50, func() { _ = Value(s) }); n != 0 {
			t.Errorf("Value(%q) allocated %.0f times", s, n)
		}
		if Value(s) != s {
			t.Errorf("Value(%q) changed it", s)
		}
	}
}

func TestInspectFlags(t *testing.T) {
	cases := []struct {
		name, in string
		want     Flags
	}{
		{"plain", "../etc/passwd", 0},
		{"percent", "%2e%2e%2f", 0},
		{"double encoded", "%252e%252e%252f", 0},
		{"accents", "café Ó", 0},
		{"overlong slash", "..%c0%af..%c0%afetc", Overlong},
		{"overlong letter", "..%c1%afetc", Overlong},
		{"overlong raw", "..\xc0\xafetc", Overlong},
		{"three byte overlong", "%e0%80%ae", Overlong},
		{"six byte form", "%fc%80%80%80%80%ae", Overlong},
		{"double percent", "..%%32%%66etc", DoublePercent},
		{"percent sign text", "100% sure, 50%% off", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, f := Inspect(c.in); f != c.want {
				t.Fatalf("Inspect(%q) flags = %b, want %b", c.in, f, c.want)
			}
		})
	}
}
