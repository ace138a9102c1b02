package route

import (
	"errors"
	"strings"
)

// hostPattern is a normalized Spec.Host.
type hostPattern struct {
	any      bool   // "" in the spec: every host
	wildcard bool   // "*.suffix": exactly one label before suffix
	name     string // exact host, or the suffix of a wildcard; lower case
}

// parseHostPattern normalizes a Spec.Host: lower case, port and trailing dot dropped.
func parseHostPattern(h string) (hostPattern, error) {
	if h == "" {
		return hostPattern{any: true}, nil
	}
	wild := strings.HasPrefix(h, "*.")
	if wild {
		h = h[2:]
	}
	name := strings.ToLower(hostOnly(h))
	if name == "" {
		return hostPattern{}, errors.New("empty host")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':'
		if !ok {
			return hostPattern{}, errors.New("invalid character in host")
		}
	}
	if strings.Contains(name, "..") || name[0] == '.' {
		return hostPattern{}, errors.New("empty label in host")
	}
	return hostPattern{wildcard: wild, name: name}, nil
}

// hostOnly strips a port, IPv6 brackets and a trailing dot from a Host value.
// It never allocates.
func hostOnly(h string) string {
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end > 0 {
			return h[1:end]
		}
		return ""
	}
	if i := strings.IndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	return strings.TrimSuffix(h, ".")
}

// requestHost returns the lower-case host of a request Host value, allocating only
// when it holds upper-case letters.
func requestHost(h string) string {
	h = hostOnly(h)
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}

// wildcardSuffix returns what a "*.suffix" pattern must equal for host: the host
// without its first label, or "" when host has a single label.
func wildcardSuffix(host string) string {
	i := strings.IndexByte(host, '.')
	if i <= 0 {
		return ""
	}
	return host[i+1:]
}
