package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

const upperHex = "0123456789ABCDEF"

// escapeTarget percent-encodes only the bytes that cannot appear in an HTTP
// request line: space, control characters (0x00–0x1F, 0x7F), non-ASCII bytes
// and '#' (a fragment never reaches a server). Everything else, including '%'
// sequences that are not valid escapes, is kept verbatim, so a URL-encoded
// corpus line reaches the gateway exactly as the source wrote it.
func escapeTarget(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func mustEscape(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '#'
}

// lenientUnescape undoes one round of URL encoding the way a forgiving
// server does: "%XX" with two hex digits becomes the byte, '+' becomes a
// space when plus is set (query strings and forms), and anything else —
// a '%' without two hex digits, "%u0027" — is kept literally.
func lenientUnescape(s string, plus bool) string {
	if !strings.ContainsRune(s, '%') && (!plus || !strings.ContainsRune(s, '+')) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && plus:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// pair is one decoded query-string parameter.
type pair struct{ Key, Value string }

// queryPairs splits a raw query string on '&' and each part on its first
// '=', decoding both sides leniently. Empty parts are skipped; a part without
// '=' is a key with an empty value.
func queryPairs(raw string) []pair {
	var out []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, pair{lenientUnescape(k, true), lenientUnescape(v, true)})
	}
	return out
}

// pairsJSON renders decoded pairs as one JSON object in first-seen key order,
// the body an API that takes the same parameters as JSON would receive. A key
// seen more than once becomes an array of its values.
func pairsJSON(ps []pair) []byte {
	order := make([]string, 0, len(ps))
	vals := make(map[string][]string, len(ps))
	for _, p := range ps {
		if _, seen := vals[p.Key]; !seen {
			order = append(order, p.Key)
		}
		vals[p.Key] = append(vals[p.Key], p.Value)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(k))
		b.WriteByte(':')
		if vs := vals[k]; len(vs) == 1 {
			b.Write(jsonString(vs[0]))
		} else {
			b.WriteByte('[')
			for j, v := range vs {
				if j > 0 {
					b.WriteByte(',')
				}
				b.Write(jsonString(v))
			}
			b.WriteByte(']')
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// jsonString encodes s as a JSON string without HTML escaping. Invalid UTF-8
// becomes U+FFFD, as with any JSON encoder: a JSON body cannot carry raw
// non-UTF-8 bytes.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

// jsonObject encodes {"key": value} for the JSON channel of a single value.
func jsonObject(key, value string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	b.Write(jsonString(key))
	b.WriteByte(':')
	b.Write(jsonString(value))
	b.WriteByte('}')
	return b.Bytes()
}

// queryValue encodes a raw (not URL-encoded) payload as a query value with
// the standard form encoding (space as '+').
func queryValue(s string) string { return url.QueryEscape(s) }
