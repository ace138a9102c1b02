package inspect

import (
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/route"
)

// params inspects the path parameters (already decoded once by the router;
// decode.Value undoes any further layer a backend might undo).
func (s *state) params(ps []route.Param) bool {
	for _, p := range ps {
		if s.check(locPath, p.Name, s.decode(p.Value), roleValue) {
			return true
		}
	}
	return false
}

// query inspects a query string or an urlencoded form body (loc is locQuery
// or locForm). It splits on '&' only and keeps every pair, repeated names
// included, in order: the names keep their bracket syntax (a[$ne]=1) so
// that nosql.QueryKey sees what PHP, Rails or qs would turn into an object.
func (s *state) query(raw string, loc location) bool {
	nameLoc := locQueryName
	if loc == locForm {
		nameLoc = locFormName
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name := s.decodeQuery(rawName)
		if s.check(nameLoc, name, name, roleName) {
			return true
		}
		if s.check(loc, name, s.decodeQuery(rawValue), roleValue) {
			return true
		}
	}
	return false
}

// cookies inspects every cookie of every Cookie header, names and values. The
// parser is tolerant: a pair without '=' is inspected as a value with an
// empty name, and quotes around a value are dropped, since some backend will
// read whatever a browser or an attacker sends.
func (s *state) cookies(h http.Header) bool {
	for _, line := range h["Cookie"] {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			pair = strings.Trim(pair, " \t")
			if pair == "" {
				continue
			}
			name, value, ok := strings.Cut(pair, "=")
			if !ok {
				name, value = "", pair
			}
			name = strings.Trim(name, " \t")
			value = strings.Trim(value, " \t")
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			if s.cookie(name, value) {
				return true
			}
		}
	}
	return false
}

// cookie inspects one cookie. Values are decoded with decode.Value; when one
// holds a '+', it is inspected a second time with '+' read as a space,
// because PHP and other stacks urldecode cookie values like form values.
func (s *state) cookie(rawName, rawValue string) bool {
	name := s.decode(rawName)
	if rawName != "" && s.check(locCookie, name, name, roleName) {
		return true
	}
	if s.check(locCookie, name, s.decode(rawValue), roleValue) {
		return true
	}
	return strings.IndexByte(rawValue, '+') >= 0 &&
		s.check(locCookie, name, s.decodeQuery(rawValue), roleValue)
}

// headers inspects every value of the configured headers.
func (s *state) headers(h http.Header) bool {
	for _, name := range s.in.headers {
		for _, v := range h[name] {
			if s.check(locHeader, name, s.decode(v), roleValue) {
				return true
			}
		}
	}
	return false
}
