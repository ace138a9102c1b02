package jsonstr

import (
	"bytes"
	"testing"
)

func TestAppendFoldedKey(t *testing.T) {
	same := [][]string{
		{`from_account`, `From_Account`, `FROM_ACCOUNT`, `\u0046rom_account`, `\u0066rom_\u0061ccount`, `from\u005faccount`},
		{`role`, `ＲＯＬＥ`, `ｒｏｌｅ`, `r\u006fle`, `\uff52ole`},
		{`is_admin`, `IS_admin`},
		{`kind`, "\u212aind", `KIND`, `\u212Aind`},
		{`pass`, "pa\u017f\u017f", `PASS`},
		{`office`, "o\ufb03ce"},
		{`\ud800`, `\udc00`, "\ufffd"}, // lone surrogates decode to U+FFFD, as encoding/json does
		{`a\/b`, `a/b`},
		{`role`, `role\u0000`, `role\u0000admin`, `ROLE\u0000`},
		{`é`, "e\u0301", `\u00c9`, "E\u0301"},
	}
	for _, group := range same {
		want := AppendFoldedKey(nil, []byte(group[0]))
		for _, k := range group[1:] {
			if got := AppendFoldedKey(nil, []byte(k)); !bytes.Equal(got, want) {
				t.Errorf("%q folds to %q, %q to %q: want one key", group[0], want, k, got)
			}
		}
	}
	differ := [][2]string{
		{`role`, `roles`}, {`role`, `ro le`}, {`a.b`, `a_b`}, {`id`, `ıd`}, {`ss`, `ß`}, {`a`, `\u0000a`}, {``, ` `},
	}
	for _, p := range differ {
		a, b := AppendFoldedKey(nil, []byte(p[0])), AppendFoldedKey(nil, []byte(p[1]))
		if bytes.Equal(a, b) {
			t.Errorf("%q and %q fold to the same %q", p[0], p[1], a)
		}
	}
	// Appends after what dst holds.
	if got := AppendFoldedKey([]byte("x:"), []byte(`Ａb`)); string(got) != "x:AB" {
		t.Errorf("got %q", got)
	}
}

func BenchmarkAppendFoldedKey(b *testing.B) {
	for _, k := range []string{"from_account", `\u0046rom_Account`, "ＲＯＬＥ_ｉｄ"} {
		b.Run(k, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendFoldedKey(buf[:0], []byte(k))
			}
		})
	}
}

// FuzzAppendFoldedText: folding a decoded key is folding its raw form.
func FuzzAppendFoldedText(f *testing.F) {
	for _, s := range []string{`from_Account`, `\u0046rom`, `ＲＯＬＥ`, `role\u0000x`, `a\\b`, "pa\u017f\u017f", `\ud800`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for i := 0; i < len(raw); i++ { // only raw key bodies that are valid JSON
			switch c := raw[i]; {
			case c < 0x20 || c == '"':
				return
			case c == '\\':
				n := EscapeLen([]byte(raw[i:]))
				if n == 0 {
					return
				}
				i += n - 1
			}
		}
		want := AppendFoldedKey(nil, []byte(raw))
		if got := AppendFoldedText(nil, AppendUnescaped(nil, []byte(raw))); !bytes.Equal(got, want) {
			t.Fatalf("%q: text form %q, raw form %q", raw, got, want)
		}
	})
}

// SameFoldedASCII agrees with comparing AppendFoldedKey's forms.
func TestSameFoldedASCII(t *testing.T) {
	for _, tc := range [][2]string{{"role", "ROLE"}, {"role", "Role"}, {"role", "roles"}, {"a_b", "A_B"},
		{"@", "`"}, {"[", "{"}, {"", ""}, {"id", "ID"}, {"x1", "X2"}} {
		a, b := []byte(tc[0]), []byte(tc[1])
		want := string(AppendFoldedKey(nil, a)) == string(AppendFoldedKey(nil, b))
		if got := SameFoldedASCII(a, b); got != want {
			t.Errorf("SameFoldedASCII(%q, %q) = %v, folded forms say %v", a, b, got, want)
		}
	}
}
