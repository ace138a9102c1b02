package sensitive

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// The address rules written a second way, as regular expressions over the
// parts: FuzzEmailMatchesReference holds isEmail and isDomain to them.
var (
	refLocal  = regexp.MustCompile(`^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*$`) // dot-atom: no leading, trailing or double dot
	refDomain = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})$`)
)

// refIsEmail: at most 254 bytes; a local part of 1 to 64 before the first
// '@'; a domain after it.
func refIsEmail(t []byte) bool {
	at := bytes.IndexByte(t, '@')
	return len(t) <= 254 && at >= 1 && at <= 64 && refLocal.Match(t[:at]) && refIsDomain(t[at+1:])
}

// refIsDomain: 4 to 253 bytes of LDH labels (1 to 63 bytes, no hyphen at
// either end), two or more, the last alphabetic and not an image extension.
func refIsDomain(d []byte) bool {
	m := refDomain.FindSubmatch(d)
	return len(d) >= 4 && len(d) <= 253 && m != nil && !isImageExt(m[1])
}

func FuzzEmailMatchesReference(f *testing.F) {
	for _, s := range []string{"jane.doe@example.com", "a@b.co", "icon@2x.png", "x..y@a.com", ".a@b.com",
		"a@-b.com", "a@b-.com", "a@b.c0m", "user+tag@sub.example.org", "a@b", "é@b.com", "a@é.com", "a@b..com", "a@.b.com",
		"a@b.com.", "A_B%C-D@EXAMPLE.COM", "a@" + strings.Repeat("x", 64) + ".com", strings.Repeat("l", 65) + "@b.com"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := isEmail(b), refIsEmail(b); got != want {
			t.Fatalf("isEmail(%q) = %v, reference %v", b, got, want)
		}
		if got, want := isDomain(b), refIsDomain(b); got != want {
			t.Fatalf("isDomain(%q) = %v, reference %v", b, got, want)
		}
	})
}

func BenchmarkIsEmail(b *testing.B) {
	in := [][]byte{[]byte("user13@example.com"), []byte("jane.doe+news@mail.example.org"), []byte("not-an-address@"), []byte("icon@2x.png")}
	for b.Loop() {
		for _, s := range in {
			_ = isEmail(s)
		}
	}
}
