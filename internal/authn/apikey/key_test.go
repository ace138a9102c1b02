package apikey

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func mustNewKey(t testing.TB) (string, string) {
	t.Helper()
	key, id, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return key, id
}

// replaceAt returns s with the byte at i replaced by c.
func replaceAt(s string, i int, c byte) string {
	b := []byte(s)
	b[i] = c
	return string(b)
}

// otherBase62 returns a base62 character other than c.
func otherBase62(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func TestParseKey(t *testing.T) {
	key, id := mustNewKey(t)
	cases := []struct {
		name, key, want string // want: "" for a malformed key
	}{
		{"valid", key, id},
		{"wrong prefix", "bwx_" + key[4:], ""},
		{"upper-case prefix", "BWK_" + key[4:], ""},
		{"bad checksum", replaceAt(key, KeyLen-1, otherBase62(key[KeyLen-1])), ""},
		{"secret changed", replaceAt(key, secStart+5, otherBase62(key[secStart+5])), ""},
		{"id changed", replaceAt(key, idStart, otherBase62(key[idStart])), ""},
		{"too short", key[:KeyLen-1], ""},
		{"too long", key + "0", ""},
		{"empty", "", ""},
		{"prefix only", Prefix, ""},
		{"bad charset", replaceAt(key, secStart+1, '-'), ""},
		{"non-ASCII", key[:KeyLen-2] + "é", ""},
		{"separator missing", replaceAt(key, sepAt, 'a'), ""},
		{"space padded", " " + key[:KeyLen-1], ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseKey(c.key)
			if c.want == "" {
				if err == nil || !errors.Is(err, ErrMalformed) || got != "" {
					t.Fatalf("ParseKey = %q, %v; want ErrMalformed", got, err)
				}
				if strings.Contains(err.Error(), c.key) && c.key != "" {
					t.Errorf("error %q repeats the key", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseKey = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestEveryTypoIsCaught changes each character of a key and checks the
// checksum (or the shape) refuses the result.
func TestEveryTypoIsCaught(t *testing.T) {
	key, _ := mustNewKey(t)
	for i := range KeyLen {
		bad := replaceAt(key, i, otherBase62(key[i]))
		if bad == key {
			bad = replaceAt(key, i, 'z')
		}
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("key with position %d changed was accepted", i)
		}
	}
}

func TestNewKeyShape(t *testing.T) {
	re := regexp.MustCompile(Pattern)
	seen := map[string]bool{}
	for range 200 {
		key, id := mustNewKey(t)
		if len(key) != KeyLen || !re.MatchString(key) || !strings.HasPrefix(key, Prefix) {
			t.Fatalf("key %q does not match %s", key, Pattern)
		}
		if got, err := ParseKey(key); err != nil || got != id {
			t.Fatalf("ParseKey(new key) = %q, %v; want %q", got, err, id)
		}
		if seen[key] || seen[id] {
			t.Fatalf("repeated key or id %s", id)
		}
		seen[key], seen[id] = true, true
		// Scanners find it inside text too.
		if m := re.FindString("token=" + key + "\n"); m != key {
			t.Fatalf("pattern found %q in text", m)
		}
	}
}

// TestSecretIsUniform checks that every base62 character shows up in
// secrets, a cheap guard against a biased or truncated alphabet.
func TestSecretIsUniform(t *testing.T) {
	counts := map[byte]int{}
	for range 100 {
		key, _ := mustNewKey(t)
		for i := secStart; i < sumStart; i++ {
			counts[key[i]]++
		}
	}
	if len(counts) != 62 {
		t.Errorf("secrets used %d distinct characters, want 62", len(counts))
	}
}

func TestHashHidesKey(t *testing.T) {
	h1, err := newHasher(testPepper)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := newHasher(append([]byte("another-"), testPepper...))
	key, id := mustNewKey(t)
	a, _ := h1.sum(key)
	b, _ := h1.sum(key)
	c, _ := h2.sum(key)
	if a != b {
		t.Error("the same key and pepper hash differently")
	}
	if a == c {
		t.Error("a different pepper gives the same hash")
	}
	secret := key[secStart:sumStart]
	for _, enc := range []string{string(a[:]), hex.EncodeToString(a[:]), base64.StdEncoding.EncodeToString(a[:]),
		base64.RawURLEncoding.EncodeToString(a[:])} {
		for _, part := range []string{key, secret, secret[:8], id} {
			if strings.Contains(enc, part) {
				t.Errorf("hash encoding %q contains %q", enc, part)
			}
		}
	}
	if bytes.Contains(a[:], []byte(key[:8])) {
		t.Error("hash contains key bytes")
	}
	if _, err := h1.sum("short"); err == nil {
		t.Error("hashing a key of the wrong length succeeded")
	}
	if _, err := newHasher(testPepper[:MinPepperLen-1]); err == nil {
		t.Error("a short pepper was accepted")
	}
}

func TestParseAndHashDoNotAllocate(t *testing.T) {
	key, _ := mustNewKey(t)
	h, _ := newHasher(testPepper)
	bad := replaceAt(key, KeyLen-1, otherBase62(key[KeyLen-1]))
	clean := &url.URL{Path: "/orders/1", RawQuery: "page=2&sort=name&q=hello"}
	for name, fn := range map[string]func(){
		"parse valid":     func() { _, _ = ParseKey(key) },
		"parse malformed": func() { _, _ = ParseKey(bad) },
		"parse short":     func() { _, _ = ParseKey("bwk_x") },
		"hash":            func() { _, _ = h.sum(key) },
		"url clean":       func() { _ = keyInURL(clean) },
	} {
		if raceEnabled && name == "hash" {
			continue
		}
		fn() // warm the hasher pool
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

func TestKeyInURL(t *testing.T) {
	key, _ := mustNewKey(t)
	cases := []struct {
		query string
		want  bool
	}{
		{"", false},
		{"page=2&sort=name", false},
		{"keyboard=1&monkey=2", false},
		{"q=bwk", false},
		{"api_key=anything", true},
		{"API_KEY=anything", true},
		{"apikey=x", true},
		{"key=x", true},
		{"x-api-key=x", true},
		{"a=1&token=" + key, true},
		{"a=1;b=" + key, true},
		{key, true},
		{"t=%62wk_abc", true},
		{"api%5Fkey=x", true},
		{"t=BWK_abc", true},
		{"t=%zz&u=1", false},
		{"access_token=x", true},
	}
	for _, c := range cases {
		if got := keyInURL(&url.URL{Path: "/", RawQuery: c.query}); got != c.want {
			t.Errorf("keyInURL(?%s) = %v, want %v", c.query, got, c.want)
		}
	}
	if !keyInURL(&url.URL{Path: "/keys/" + key}) {
		t.Error("a key in the path was not found")
	}
}

func FuzzParseKey(f *testing.F) {
	key, _ := mustNewKey(f)
	for _, s := range []string{key, "", Prefix, key[:KeyLen-1], key + "x", "bwk_" + strings.Repeat("A", 62),
		replaceAt(key, sepAt, '-'), strings.Repeat("\xff", KeyLen)} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^` + Pattern + `$`)
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) || id != "" {
				t.Fatalf("ParseKey(%q) = %q, %v; want ErrMalformed", s, id, err)
			}
			return
		}
		if !re.MatchString(s) || id != s[idStart:sepAt] {
			t.Fatalf("ParseKey accepted %q (id %q), which the documented pattern rejects", s, id)
		}
	})
}

func BenchmarkParseMalformed(b *testing.B) {
	key, _ := mustNewKey(b)
	cases := map[string]string{
		"bad checksum": replaceAt(key, KeyLen-1, otherBase62(key[KeyLen-1])),
		"bad length":   key[:40],
		"bad charset":  replaceAt(key, secStart, '!'),
	}
	for name, k := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseKey(k); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

func TestChecksumIsCRC32(t *testing.T) {
	for _, s := range []string{"", "a", "bwk_0123456789ab_" + strings.Repeat("Z", SecretLen)} {
		if got, want := checksum(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("checksum(%q) = %08x, want %08x", s, got, want)
		}
	}
	var b [ChecksumLen]byte
	encodeChecksum(&b, 0xFFFFFFFF) // 4294967295 = 62^5·4 + …: fits six digits
	if string(b[:]) != "4gfFC3" {
		t.Errorf("encodeChecksum(max) = %s, want 4gfFC3", b[:])
	}
}
