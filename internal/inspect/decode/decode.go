package decode

import "unicode/utf8"

// maxRounds bounds repeated decoding: four rounds undo %25252527 (three
// layers) and stop a value that keeps producing escapes from costing more.
const maxRounds = 4

// Value returns s fully decoded for inspection: percent-escapes (%XX and
// %uXXXX) undone repeatedly until the value no longer changes (at most four
// rounds), overlong UTF-8 encodings of ASCII mapped to that ASCII byte, and
// fullwidth ASCII forms (U+FF01–U+FF5E) mapped to ASCII. Malformed escapes are
// kept literally; '+' is left alone (see QueryComponent). When there is nothing
// to decode, s itself is returned without allocating.
func Value(s string) string {
	v, _ := Inspect(s)
	return v
}

// Flags report encodings that no conforming client produces: their only use
// is to slip a payload past a decoder that checks one form and a backend that
// reads another.
type Flags uint8

const (
	// Overlong is a non-shortest UTF-8 form, or a 5- or 6-byte sequence
	// (RFC 3629 forbids both; the IIS "Unicode" traversal used them).
	Overlong Flags = 1 << iota
	// DoublePercent is "%%" followed by a hex escape ("%%35c"): written for
	// decoders that decode twice or skip a stray '%'.
	DoublePercent
)

// Inspect is Value that also reports evasive encodings it undid or met.
func Inspect(s string) (string, Flags) {
	if !needsWork(s) {
		return s, 0
	}
	var f Flags
	b := []byte(s)
	for range maxRounds {
		f |= doublePercent(b)
		next, changed, of := round(b)
		f |= of
		if !changed {
			break
		}
		b = next
		if !needsWorkBytes(b) {
			break
		}
	}
	return string(b), f
}

// doublePercent reports "%%XX" with XX two hex digits.
func doublePercent(b []byte) Flags {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == '%' && b[i+1] == '%' {
			if _, ok := hex2(b[i+2], b[i+3]); ok {
				return DoublePercent
			}
		}
	}
	return 0
}

// QueryComponent decodes a query-string or form name or value: '+' is a space
// there (application/x-www-form-urlencoded), then the result goes through Value.
func QueryComponent(s string) string {
	v, _ := InspectQueryComponent(s)
	return v
}

// InspectQueryComponent is QueryComponent that also reports evasive encodings.
func InspectQueryComponent(s string) (string, Flags) {
	plus := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '+' {
			plus = i
			break
		}
	}
	if plus < 0 {
		return Inspect(s)
	}
	b := []byte(s)
	for i := plus; i < len(b); i++ {
		if b[i] == '+' {
			b[i] = ' '
		}
	}
	return Inspect(string(b))
}

// needsWork reports whether s holds a '%' or the start of a sequence fold
// changes (overlong UTF-8, fullwidth ASCII, ideographic space). Ordinary
// non-ASCII text (accents, CJK, emoji) needs no work and is not copied.
func needsWork(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			return true
		}
		if c >= 0xC0 && foldable(s[i:]) {
			return true
		}
	}
	return false
}

func needsWorkBytes(b []byte) bool {
	for i, c := range b {
		if c == '%' {
			return true
		}
		if c >= 0xC0 && foldable(string(b[i:])) { // no allocation: the conversion is not kept
			return true
		}
	}
	return false
}

// foldable reports whether s starts with a sequence fold rewrites.
func foldable(s string) bool {
	switch c := s[0]; {
	case c == 0xC0 || c == 0xC1, c >= 0xF8 && c <= 0xFD:
		return true
	case c == 0xE0 || c == 0xF0:
		return len(s) > 1 && s[1] < 0x82 // E0 80/81 xx, F0 80 xx xx
	case c == 0xEF: // U+FF01–U+FF5E is EF BC 81 – EF BD 9E
		return len(s) > 2 && (s[1] == 0xBC && s[2] >= 0x81 || s[1] == 0xBD && s[2] <= 0x9E)
	case c == 0xE3: // U+3000 is E3 80 80
		return len(s) > 2 && s[1] == 0x80 && s[2] == 0x80
	}
	return false
}

// round performs one pass of percent-decoding followed by ASCII folding. It
// reports whether anything changed.
func round(in []byte) ([]byte, bool, Flags) {
	out := make([]byte, 0, len(in))
	changed := false
	for i := 0; i < len(in); {
		c := in[i]
		if c == '%' {
			if r, n := percent(in[i:]); n > 0 {
				if n == 3 {
					out = append(out, byte(r)) // %XX is one byte, even >= 0x80
				} else {
					out = utf8.AppendRune(out, r)
				}
				changed = true
				i += n
				continue
			}
		}
		out = append(out, c)
		i++
	}
	folded, f, flags := fold(out)
	return folded, changed || f, flags
}

// percent decodes one escape at the start of b: %XX (a byte) or %uXXXX (a
// UTF-16 code unit, as IIS accepts). n is 0 when b does not start with a valid
// escape.
func percent(b []byte) (r rune, n int) {
	if len(b) >= 3 {
		if h, ok := hex2(b[1], b[2]); ok {
			return rune(h), 3
		}
	}
	if len(b) >= 6 && (b[1] == 'u' || b[1] == 'U') {
		h1, ok1 := hex2(b[2], b[3])
		h2, ok2 := hex2(b[4], b[5])
		if ok1 && ok2 {
			r := rune(h1)<<8 | rune(h2)
			if r >= 0xD800 && r <= 0xDFFF {
				r = utf8.RuneError
			}
			return r, 6
		}
	}
	return 0, 0
}

func hex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// fold maps overlong UTF-8 encodings of ASCII (C0/C1 xx, E0 80..81 xx,
// F0 80 80 xx) and fullwidth ASCII (U+FF01–U+FF5E) to the ASCII byte, in place.
// Decoders that accept these forms (old IIS, some Java and PHP stacks) turn
// %c0%ae%c0%ae%c0%af into "../".
func fold(b []byte) ([]byte, bool, Flags) {
	changed := false
	var flags Flags
	w := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0xC0 {
			b[w] = c
			w++
			i++
			continue
		}
		if a, n := overlong(b[i:]); n > 0 {
			b[w] = a
			w++
			i += n
			changed = true
			flags |= Overlong
			continue
		}
		if b[i] >= 0xF8 && b[i] <= 0xFD { // 5- and 6-byte forms: never valid UTF-8
			flags |= Overlong
		}
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0xFF01 && r <= 0xFF5E {
			b[w] = byte(r - 0xFEE0)
			w++
			i += n
			changed = true
			continue
		}
		if r == 0x3000 { // ideographic space
			b[w] = ' '
			w++
			i += n
			changed = true
			continue
		}
		w += copy(b[w:], b[i:i+n])
		i += n
	}
	return b[:w], changed, flags
}

// overlong decodes an overlong (non-shortest) UTF-8 sequence of an ASCII code
// point at the start of b; n is 0 when there is none.
func overlong(b []byte) (ascii byte, n int) {
	cont := func(i int) bool { return i < len(b) && b[i]&0xC0 == 0x80 }
	switch {
	case (b[0] == 0xC0 || b[0] == 0xC1) && cont(1):
		return (b[0]&0x1F)<<6 | b[1]&0x3F, 2
	case b[0] == 0xE0 && cont(1) && cont(2) && b[1] < 0x82:
		return (b[1]&0x3F)<<6 | b[2]&0x3F, 3
	case b[0] == 0xF0 && cont(1) && cont(2) && cont(3) && b[1] == 0x80 && b[2] < 0x82:
		return (b[2]&0x3F)<<6 | b[3]&0x3F, 4
	}
	return 0, 0
}
