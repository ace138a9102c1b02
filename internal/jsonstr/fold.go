package jsonstr

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// AppendFoldedKey appends to dst the comparison form of an object key whose
// raw body (the bytes between the quotes, valid JSON) is raw: two keys with
// the same form may be bound to the same field by some parser, so a guard
// that reads one of them cannot know which value the upstream reads.
//
// The form is: escapes decoded ("\u0046rom" is "From"), Unicode NFKC
// (full-width "ｒｏｌｅ" is "role", "ﬁ" is "fi", U+212A KELVIN SIGN is "K"),
// then every rune replaced by the smallest rune of its simple case-folding
// orbit, as encoding/json matches struct fields ("ROLE", "role" and "Role"
// are one key; so are "s", "S" and "ſ"), then NFKC again should folding have
// produced a sequence that is not normalised. A key is also cut at its first
// NUL ("role\u0000x" is "role"): parsers that keep keys as C strings stop
// there. An ASCII key without escapes, the common case, is upper-cased byte
// by byte (JSON text cannot hold a raw NUL: only an escape makes one).
//
// It does not allocate when dst has room for the key's decoded form and its
// NFKC form side by side.
func AppendFoldedKey(dst, raw []byte) []byte {
	simple := true
	for _, c := range raw {
		if c >= utf8.RuneSelf || c == '\\' {
			simple = false
			break
		}
	}
	if simple {
		return appendUpper(dst, raw)
	}
	start := len(dst)
	return foldInPlace(AppendUnescaped(dst, raw), start)
}

// AppendFoldedText is AppendFoldedKey for a key already decoded (escapes
// undone, as AppendUnescaped leaves it): AppendFoldedText(dst,
// AppendUnescaped(nil, raw)) is AppendFoldedKey(dst, raw), for readers that
// keep keys decoded.
func AppendFoldedText(dst, text []byte) []byte {
	simple := true
	for _, c := range text {
		if c >= utf8.RuneSelf || c == 0 {
			simple = false
			break
		}
	}
	if simple {
		return appendUpper(dst, text)
	}
	start := len(dst)
	return foldInPlace(append(dst, text...), start)
}

// appendUpper appends ASCII b upper-cased.
func appendUpper(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, upperASCII(c))
	}
	return dst
}

// upperASCII is the folded form of a byte of a plain ASCII key.
func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		c -= 'a' - 'A'
	}
	return c
}

// SameFoldedASCII reports whether two keys written in plain ASCII (no
// escape, no NUL, no byte from 0x80) have one folded form, as
// AppendFoldedKey would tell, without building the forms: the folded form of
// such a key is its ASCII upper case.
func SameFoldedASCII(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i, x := range a {
		if y := b[i]; x != y && upperASCII(x) != upperASCII(y) {
			return false
		}
	}
	return true
}

// foldInPlace replaces the decoded key dst[start:] with its folded form.
func foldInPlace(dst []byte, start int) []byte {
	if i := bytes.IndexByte(dst[start:], 0); i >= 0 {
		dst = dst[:start+i]
	}
	dst = nfkcInPlace(dst, start)
	// Fold in place: the smallest rune of an orbit is never longer in UTF-8
	// than the rune it replaces, so the write position never passes the read one.
	w := start
	for r := start; r < len(dst); {
		c, n := utf8.DecodeRune(dst[r:])
		if c == utf8.RuneError && n == 1 {
			dst[w] = dst[r] // AppendUnescaped keeps invalid bytes; so does the form
			w, r = w+1, r+1
			continue
		}
		w += utf8.EncodeRune(dst[w:], foldRune(c))
		r += n
	}
	return nfkcInPlace(dst[:w], start)
}

// nfkcInPlace replaces b[start:] with its NFKC form.
func nfkcInPlace(b []byte, start int) []byte {
	if norm.NFKC.QuickSpan(b[start:]) == len(b)-start { // QuickSpan, unlike IsNormal, does not allocate
		return b
	}
	mid := len(b)
	it := iters.Get().(*norm.Iter)
	it.Init(norm.NFKC, b[start:mid])
	for !it.Done() {
		b = append(b, it.Next()...)
	}
	it.InitString(norm.NFKC, "") // drop the reference to b
	iters.Put(it)
	n := copy(b[start:], b[mid:])
	return b[:start+n]
}

// iters recycles NFKC iterators (about 1 KiB each, which would otherwise
// escape to the heap on every non-ASCII key).
var iters = sync.Pool{New: func() any { return new(norm.Iter) }}

// foldRune returns the smallest rune of r's simple case-folding orbit.
func foldRune(r rune) rune {
	for {
		next := unicode.SimpleFold(r)
		if next <= r {
			return next
		}
		r = next
	}
}
