package route

import (
	"bytes"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxPathLen is the longest path [Canonicalize] accepts, in bytes. It bounds both
// the raw escaped input and the re-escaped form sent upstream ([EscapePath] can
// triple a path's length), so the upstream never sees a longer request line.
const MaxPathLen = 8 << 10

// ErrInvalidPath is wrapped by every refusal of [Canonicalize].
var ErrInvalidPath = errors.New("invalid path")

// Reasons a path is refused. They are public-safe: none echoes the input.
const (
	ReasonTooLong          = "path too long"
	ReasonNotAbsolute      = "path does not start with /"
	ReasonEncodedSlash     = "encoded slash"
	ReasonEncodedBackslash = "encoded backslash"
	ReasonBackslash        = "backslash"
	ReasonNUL              = "nul byte"
	ReasonControl          = "control character"
	ReasonBadEscape        = "malformed percent-encoding"
	ReasonBadUTF8          = "invalid utf-8"
	ReasonAboveRoot        = "dot segment above root"
	ReasonDotVariant       = "dot segment variant"
	ReasonSlashVariant     = "slash look-alike"
)

// PathError is the typed refusal of [Canonicalize]. It unwraps to [ErrInvalidPath].
type PathError struct {
	Reason string // one of the Reason constants
}

// Error returns the public-safe message.
func (e *PathError) Error() string { return "invalid path: " + e.Reason }

// Unwrap returns [ErrInvalidPath].
func (e *PathError) Unwrap() error { return ErrInvalidPath }

func refuse(reason string) error { return &PathError{Reason: reason} }

// Canonicalize turns a raw request path, in its escaped form (r.URL.EscapedPath()),
// into the one canonical path used for matching and sent upstream (see the package
// documentation for the rules). An already canonical path is returned as is, without
// allocating.
func Canonicalize(escapedPath string) (string, error) {
	p := escapedPath
	if len(p) > MaxPathLen {
		return "", refuse(ReasonTooLong)
	}
	if len(p) == 0 || p[0] != '/' {
		return "", refuse(ReasonNotAbsolute)
	}
	clean, escapes := scanClean(p)
	if clean {
		if len(p)+2*escapes > MaxPathLen {
			return "", refuse(ReasonTooLong)
		}
		return p, nil
	}
	out, err := canonicalizeSlow(p)
	if err == nil && len(out)+2*countEscapes(out) > MaxPathLen {
		return "", refuse(ReasonTooLong)
	}
	return out, err
}

// countEscapes returns how many bytes of s [EscapePath] escapes.
func countEscapes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	return n
}

// scanClean reports whether p (starting with "/") is already canonical: printable
// ASCII without '%' or '\\', no empty segment except a trailing one, no dot
// segment. escapes counts the bytes [EscapePath] would escape.
func scanClean(p string) (clean bool, escapes int) {
	segStart := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) {
			c := p[i]
			if c < 0x20 || c >= 0x7f || c == '%' || c == '\\' {
				return false, 0
			}
			if shouldEscape(c) {
				escapes++
			}
			if c != '/' {
				continue
			}
		}
		seg := p[segStart:i]
		switch {
		case seg == "." || seg == "..":
			return false, 0
		case seg != "" && (seg[0] == '.' || seg[0] == ';' || seg[0] == ' ') &&
			(strings.IndexByte(seg, ';') >= 0 || dotsAndSpaces(seg)):
			return false, 0 // a dot segment variant: the slow path refuses it
		case seg == "" && i < len(p):
			return false, 0 // "//"
		}
		segStart = i + 1
	}
	return true, escapes
}

// canonicalizeSlow decodes and resolves p segment by segment into a new buffer.
func canonicalizeSlow(p string) (string, error) {
	buf := make([]byte, 0, len(p))
	var highBytes, trailing bool
	for i := 1; i <= len(p); {
		end := i
		for end < len(p) && p[end] != '/' {
			end++
		}
		segStart := len(buf)
		buf = append(buf, '/')
		var err error
		var high bool
		buf, high, err = decodeSegment(buf, p[i:end])
		if err != nil {
			return "", err
		}
		highBytes = highBytes || high
		if err := checkVariant(buf[segStart+1:], high); err != nil {
			return "", err
		}
		buf, trailing, err = resolveSegment(buf, segStart)
		if err != nil {
			return "", err
		}
		i = end + 1
	}
	if highBytes {
		if err := checkUTF8(buf); err != nil {
			return "", err
		}
	}
	if len(buf) == 0 || trailing {
		buf = append(buf, '/')
	}
	return string(buf), nil
}

// resolveSegment looks at the segment just appended at buf[segStart:] ("/" + seg)
// and drops it when empty or ".", or drops it and its predecessor when "..".
// trailing reports whether a segment was dropped (so a final one leaves a "/").
func resolveSegment(buf []byte, segStart int) (out []byte, trailing bool, err error) {
	seg := buf[segStart+1:]
	switch {
	case len(seg) == 0, len(seg) == 1 && seg[0] == '.':
		return buf[:segStart], true, nil
	case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
		buf = buf[:segStart]
		if len(buf) == 0 { // refused, not clamped: only traversal attempts climb above root
			return nil, false, refuse(ReasonAboveRoot)
		}
		return buf[:lastSlash(buf)], true, nil
	}
	return buf, false, nil
}

// checkVariant refuses a decoded segment that some backend reads as a dot
// segment or a separator though the gateway does not: a path parameter hiding
// a dot segment ("..;x", ".;", ";x" — Tomcat and Spring drop ";..." per
// segment), a segment of dots and spaces other than "." and ".." ("...",
// ".. " — Windows trims trailing dots and spaces), and, under NFKC (as
// Unicode-normalising frameworks read it), a dot-like or slash-like character
// ("．．", "‥", "／", "＼"), or a solidus look-alike ("∕", "⁄"). high says seg
// has bytes >= 0x80.
func checkVariant(seg []byte, high bool) error {
	if !high && (len(seg) == 0 || seg[0] != '.' && seg[0] != ' ' && bytes.IndexByte(seg, ';') < 0) {
		return nil // the common case: an ordinary name
	}
	s := seg
	if high {
		if !norm.NFKC.IsNormal(seg) {
			s = norm.NFKC.Bytes(seg)
		}
		if bytes.ContainsAny(s, "/\\") || bytes.ContainsFunc(s, slashLike) {
			return refuse(ReasonSlashVariant)
		}
	}
	params := false
	if i := bytes.IndexByte(s, ';'); i >= 0 {
		s, params = s[:i], true
	}
	if !params && !high && (string(s) == "." || string(s) == "..") {
		return nil // a plain dot segment: resolved, not refused
	}
	if (params && len(s) == 0) || dotsAndSpaces(s) {
		return refuse(ReasonDotVariant)
	}
	return nil
}

// slashLike reports the solidus look-alikes NFKC leaves alone but Windows
// best-fit code-page conversion or lenient decoders turn into "/" or "\\".
func slashLike(r rune) bool {
	switch r {
	case '\u2215', '\u2044', '\u2216', '\u29F8', '\u29F9': // division slash, fraction slash, set minus, big (reverse) solidus
		return true
	}
	return false
}

// dotsAndSpaces reports whether s is non-empty, has a dot, and has nothing but
// dots and spaces.
func dotsAndSpaces[T string | []byte](s T) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			dot = true
		case ' ':
		default:
			return false
		}
	}
	return dot
}

func lastSlash(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			return i
		}
	}
	return 0
}

// decodeSegment appends the percent-decoded seg to buf, refusing the characters the
// package documentation lists. high reports bytes >= 0x80 (UTF-8 checked later).
func decodeSegment(buf []byte, seg string) (out []byte, high bool, err error) {
	for k := 0; k < len(seg); k++ {
		c := seg[k]
		if c == '%' {
			if k+2 >= len(seg) {
				return nil, false, refuse(ReasonBadEscape)
			}
			hi, ok1 := unhex(seg[k+1])
			lo, ok2 := unhex(seg[k+2])
			if !ok1 || !ok2 {
				return nil, false, refuse(ReasonBadEscape)
			}
			c = hi<<4 | lo
			k += 2
			switch c {
			case '/': // %2F would split a segment differently upstream
				return nil, false, refuse(ReasonEncodedSlash)
			case '\\': // %5C is a separator on Windows-backed upstreams
				return nil, false, refuse(ReasonEncodedBackslash)
			}
		} else if c == '\\' {
			return nil, false, refuse(ReasonBackslash)
		}
		switch {
		case c == 0: // truncates paths in C-based upstreams
			return nil, false, refuse(ReasonNUL)
		case c < 0x20 || c == 0x7f: // CR/LF split request lines and logs upstream
			return nil, false, refuse(ReasonControl)
		case c >= 0x80:
			high = true
		}
		buf = append(buf, c)
	}
	return buf, high, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// checkUTF8 refuses invalid UTF-8, overlong forms included (lenient decoders read
// %C0%AE as '.', a classic traversal bypass), and C1 controls.
func checkUTF8(b []byte) error {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return refuse(ReasonBadUTF8)
		}
		if r >= 0x80 && unicode.IsControl(r) {
			return refuse(ReasonControl)
		}
		i += size
	}
	return nil
}
