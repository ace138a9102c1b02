package apikey

import (
	"net/url"
	"strings"
)

// keyInQuery reports whether rawQuery (a URL's RawQuery) carries an API key:
// a parameter named like one, or any name or value starting with Prefix.
// Keys in URLs leak through logs, proxies, browser history and Referer
// headers, so such requests are refused even when the key is valid. It
// allocates only when a parameter is percent- or plus-encoded.
func keyInQuery(rawQuery string) bool {
	for rawQuery != "" {
		var part string
		if i := strings.IndexAny(rawQuery, "&;"); i >= 0 {
			part, rawQuery = rawQuery[:i], rawQuery[i+1:]
		} else {
			part, rawQuery = rawQuery, ""
		}
		name, value, _ := strings.Cut(part, "=")
		if strings.ContainsAny(part, "%+") {
			name, value = unescape(name), unescape(value)
		}
		if looksLikeKey(name) || looksLikeKey(value) || isKeyParam(name) {
			return true
		}
	}
	return false
}

func looksLikeKey(s string) bool {
	return len(s) >= len(Prefix) && strings.EqualFold(s[:len(Prefix)], Prefix)
}

// unescape decodes a query component; an undecodable one is kept as sent.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// isKeyParam reports whether name is one clients use for API keys, in any case.
func isKeyParam(name string) bool {
	for _, p := range [...]string{"api_key", "apikey", "api-key", "key", "x-api-key", "x_api_key"} {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}
