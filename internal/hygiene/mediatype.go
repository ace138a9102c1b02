package hygiene

import "strings"

// mediaType returns the type and subtype of a Content-Type value, without
// parameters and without allocating. ok is false when the value is not
// "token/token" (RFC 9110 §8.3.1).
func mediaType(v string) (typ, sub string, ok bool) {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	slash := strings.IndexByte(v, '/')
	if slash < 0 {
		return "", "", false
	}
	typ, sub = v[:slash], v[slash+1:]
	if !isToken(typ) || !isToken(sub) {
		return "", "", false
	}
	return typ, sub, true
}

// matchMediaType reports whether type/sub matches pattern: "type/sub", "type/*",
// "*/*" or "type/*+suffix" ("application/*+json" matches "application/problem+json"
// but not "application/+json"). Comparison ignores case.
func matchMediaType(pattern, typ, sub string) bool {
	slash := strings.IndexByte(pattern, '/')
	if slash < 0 {
		return false
	}
	ptyp, psub := pattern[:slash], pattern[slash+1:]
	if ptyp != "*" && !strings.EqualFold(ptyp, typ) {
		return false
	}
	switch {
	case psub == "*":
		return true
	case strings.HasPrefix(psub, "*+"):
		suffix := psub[1:]
		return len(sub) > len(suffix) && strings.EqualFold(sub[len(sub)-len(suffix):], suffix)
	default:
		return strings.EqualFold(psub, sub)
	}
}

// isJSONType reports whether type/sub is application/json or any "+json" type
// (RFC 6839 §3.1).
func isJSONType(typ, sub string) bool {
	return matchMediaType("application/json", typ, sub) || matchMediaType("*/*+json", typ, sub)
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
