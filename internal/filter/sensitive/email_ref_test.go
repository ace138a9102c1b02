package sensitive

import (
	"bytes"
	"strings"
	"testing"
)

// The byte-by-byte forms of isEmail and isDomain before their table-driven
// rewrite: FuzzEmailMatchesReference holds the new ones to them.

// isEmail reports whether t is an address local@domain, conservatively: a
// dot-atom local part of [A-Za-z0-9._%+-] (no quoted forms, no "*", so masks
// never match), a domain of at least two LDH labels and an alphabetic TLD that
// is not an image extension ("icon@2x.png" is a file, not an address).
func refIsEmail(t []byte) bool {
	if len(t) > 254 {
		return false
	}
	at := bytes.IndexByte(t, '@')
	if at < 1 || at > 64 {
		return false
	}
	local, domain := t[:at], t[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || bytes.Contains(local, []byte("..")) {
		return false
	}
	for _, c := range local {
		if !isAlnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-' {
			return false
		}
	}
	return refIsDomain(domain)
}

// isDomain checks LDH labels joined by dots, two or more, with an alphabetic
// TLD of two or more letters.
func refIsDomain(d []byte) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	labels := 0
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !isAlnum(c) && c != '-' {
				return false
			}
			continue
		}
		label := d[start:i]
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	tld := d[bytes.LastIndexByte(d, '.')+1:]
	if labels < 2 || len(tld) < 2 {
		return false
	}
	for _, c := range tld {
		if !isUpper(c) && !isLower(c) {
			return false
		}
	}
	return !refIsImageExt(tld)
}

// isImageExt reports file extensions that look like TLDs in asset names
// ("logo@2x.png"); none of them is a delegated TLD.
func refIsImageExt(tld []byte) bool {
	if len(tld) > 4 {
		return false
	}
	var low [4]byte
	for i, c := range tld {
		low[i] = c | 0x20
	}
	switch string(low[:len(tld)]) {
	case "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic":
		return true
	}
	return false
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
