package hygiene

import (
	"net/netip"
	"strings"
)

// appendForwardedFor appends the for= value of each element of one Forwarded
// line (RFC 7239 §4) to dst, in order. A malformed element, or one without a
// single for= parameter, is appended as "" (which parseNode refuses); parsing
// then resumes after the next comma outside a quoted string. Empty elements are
// skipped.
func appendForwardedFor(dst []string, line string) []string {
	p := fwdParser{s: line}
	for p.i < len(p.s) {
		val, empty, ok := p.element()
		switch {
		case !ok:
			dst = append(dst, "")
			p.skipElement()
		case !empty:
			dst = append(dst, val)
		}
	}
	return dst
}

// fwdParser is a cursor over one Forwarded header line.
type fwdParser struct {
	s string
	i int
}

// element parses one forwarded-element up to and including its comma.
func (p *fwdParser) element() (forVal string, empty, ok bool) {
	pairs, hasFor := 0, false
	for {
		p.ows()
		if p.i >= len(p.s) || p.s[p.i] == ',' {
			break
		}
		if p.s[p.i] == ';' {
			p.i++
			continue
		}
		name, val, good := p.pair()
		if !good || (hasFor && strings.EqualFold(name, "for")) {
			return "", false, false
		}
		pairs++
		if strings.EqualFold(name, "for") {
			hasFor, forVal = true, val
		}
		p.ows()
		if p.i < len(p.s) && p.s[p.i] != ';' && p.s[p.i] != ',' {
			return "", false, false
		}
	}
	if p.i < len(p.s) {
		p.i++ // the comma
	}
	if pairs == 0 {
		return "", true, true
	}
	return forVal, false, hasFor
}

// pair parses token "=" (token / quoted-string). A quoted value is returned
// without its quotes and unescaped only in the sense that escapes are left in
// place: no node identifier needs one, so parseNode refuses them.
func (p *fwdParser) pair() (name, val string, ok bool) {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	name = p.s[start:p.i]
	if name == "" || p.i >= len(p.s) || p.s[p.i] != '=' {
		return "", "", false
	}
	p.i++
	if p.i < len(p.s) && p.s[p.i] == '"' {
		end, closed := quotedEnd(p.s, p.i)
		if !closed {
			return "", "", false
		}
		val, p.i = p.s[p.i+1:end], end+1
		return name, val, true
	}
	start = p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return name, p.s[start:p.i], p.i > start
}

// quotedEnd returns the index of the quote closing the quoted-string opening at
// s[open], honouring backslash escapes.
func quotedEnd(s string, open int) (int, bool) {
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i, true
		}
	}
	return 0, false
}

// skipElement moves past the next comma outside a quoted string, or to the end.
func (p *fwdParser) skipElement() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '"':
			end, closed := quotedEnd(p.s, p.i)
			if !closed {
				p.i = len(p.s)
				return
			}
			p.i = end + 1
		case ',':
			p.i++
			return
		default:
			p.i++
		}
	}
}

func (p *fwdParser) ows() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseNode parses an RFC 7239 §6 node: IPv4 or "[IPv6]", each optionally with
// ":port" (a number or an obfuscated "_port"). "unknown" and obfuscated
// identifiers ("_hidden") name no address and are refused.
func parseNode(v string) (netip.Addr, bool) {
	if v == "" {
		return netip.Addr{}, false
	}
	host, port := v, ""
	if v[0] == '[' {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = v[1:end], v[end+1:]
	} else if i := strings.IndexByte(v, ':'); i >= 0 {
		host, port = v[:i], v[i:]
	}
	if port != "" && (port[0] != ':' || !validNodePort(port[1:])) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || (v[0] == '[') != a.Is6() {
		return netip.Addr{}, false
	}
	return canonicalAddr(a), true
}

// validNodePort accepts a decimal port up to 65535 or an obfuscated port
// ("_" followed by ALPHA / DIGIT / "." / "_" / "-").
func validNodePort(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '_' {
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !(isAlnum(c) || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return len(s) > 1
	}
	if len(s) > 5 || !isDigits(s) {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
