package sanitize

import "bytes"

// htmlTokens are the HTML entities and tags undone before matching: the ones debug pages
// and escaped traces use for quotes, angle brackets, indentation and line breaks.
var htmlTokens = [...]struct {
	from string
	to   byte
}{
	{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'},
	{"&#39;", '\''}, {"&#039;", '\''}, {"&#x27;", '\''}, {"&apos;", '\''},
	{"&#96;", '`'}, {"&#x60;", '`'}, {"&nbsp;", ' '}, {"&#160;", ' '},
	{"<br>", '\n'}, {"<br/>", '\n'}, {"<br />", '\n'},
}

// normalize undoes one level of JSON string escaping and the common HTML entities, so
// that "\n\tat com.x.Y(Y.java:1)" inside a JSON string, or "Stack trace:<br />#0" in a
// page, reads as it would in plain text. Every rewrite shortens its input, so the result
// is never longer than b; b itself is returned when there is nothing to undo.
func normalize(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 && bytes.IndexByte(b, '&') < 0 && !bytes.Contains(b, []byte("<br")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		j := bytes.IndexAny(b, `\&<`)
		if j < 0 {
			return append(out, b...)
		}
		out = append(out, b[:j]...)
		b = b[j:]
		var c byte
		n := 0
		if b[0] == '\\' {
			c, n = jsonEscape(b)
		} else {
			c, n = htmlToken(b)
		}
		if n == 0 {
			c, n = b[0], 1
		}
		out = append(out, c)
		b = b[n:]
	}
	return out
}

// jsonEscape decodes the JSON escape at the start of b into one byte and its length, or
// returns 0 length. \u escapes outside ASCII are left alone: no marker needs them.
func jsonEscape(b []byte) (byte, int) {
	if len(b) < 2 {
		return 0, 0
	}
	switch b[1] {
	case 'n':
		return '\n', 2
	case 't':
		return '\t', 2
	case 'r':
		return '\r', 2
	case '"', '\\', '/', '\'':
		return b[1], 2
	case 'u':
		if len(b) < 6 || b[2] != '0' || b[3] != '0' {
			return 0, 0
		}
		hi, ok1 := unhex(b[4])
		lo, ok2 := unhex(b[5])
		if !ok1 || !ok2 || hi > 7 {
			return 0, 0
		}
		return hi<<4 | lo, 6
	}
	return 0, 0
}

// htmlToken decodes the entity or tag at the start of b, or returns 0 length.
func htmlToken(b []byte) (byte, int) {
	for _, e := range htmlTokens {
		if bytes.HasPrefix(b, []byte(e.from)) {
			return e.to, len(e.from)
		}
	}
	return 0, 0
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
