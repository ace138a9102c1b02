package audit

import (
	"math"
	"strconv"

	"unicode/utf8"
)

// timeLayout is RFC 3339 with all nine fractional digits, so lines sort by time as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

const hexDigits = "0123456789abcdef"

// AppendJSON appends the JSON object for e to dst and returns the extended slice. It
// produces the same object as encoding/json would for Event (same keys, same order, same
// omitempty fields, the same HTML-safe string escaping, invalid UTF-8 replaced by U+FFFD),
// except that Time is always written in UTC with nanoseconds, and a NaN or infinite
// LatencyMS, which encoding/json refuses, is written as 0. It allocates only when dst
// must grow, so a reused buffer makes it allocation-free.
func AppendJSON(dst []byte, e *Event) []byte {
	dst = append(dst, `{"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, `","request_id":`...)
	dst = appendString(dst, e.RequestID)
	dst = appendOptional(dst, `,"api":`, e.API)
	dst = appendOptional(dst, `,"route":`, e.Route)
	dst = append(dst, `,"method":`...)
	dst = appendString(dst, e.Method)
	dst = append(dst, `,"path":`...)
	dst = appendString(dst, e.Path)
	dst = append(dst, `,"client_ip":`...)
	dst = appendString(dst, e.ClientIP)
	dst = appendOptional(dst, `,"principal":`, e.Principal)
	dst = append(dst, `,"decision":`...)
	dst = appendString(dst, e.Decision)
	dst = appendOptional(dst, `,"reason":`, e.Reason)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, `,"latency_ms":`...)
	dst = appendFloat(dst, e.LatencyMS)
	dst = appendOptional(dst, `,"upstream":`, e.Upstream)
	dst = appendOptional(dst, `,"rule":`, e.Rule)
	dst = appendOptional(dst, `,"object":`, e.Object)
	dst = appendOptional(dst, `,"trace_id":`, e.TraceID)
	dst = appendOptional(dst, `,"span_id":`, e.SpanID)
	return append(dst, '}')
}

// appendOptional writes key and s unless s is empty (omitempty).
func appendOptional(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	dst = append(dst, key...)
	return appendString(dst, s)
}

// appendFloat formats f as encoding/json does: 'f' notation, 'e' for very small or large
// magnitudes with a one-digit negative exponent kept short.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, '0')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Turn e-07 into e-7, as encoding/json does.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// htmlSafe reports whether ASCII byte b can be written as is. <, > and & are escaped so a
// hostile path cannot become markup when an audit line is shown in a browser.
func htmlSafe(b byte) bool {
	return b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
}

// appendString writes s as a JSON string, escaped exactly as encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if htmlSafe(b) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedByte(dst, b)
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			// Line separators end a JavaScript string literal; escape them.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedByte writes the escape sequence for an ASCII byte that is not htmlSafe.
func appendEscapedByte(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	default:
		return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
	}
}
