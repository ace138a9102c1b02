package openapi

import (
	"errors"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// errFormat is what every format check returns; its text is never shown.
var errFormat = errors.New("value does not match the format")

// stringFormats returns the string formats the validator enforces beyond the
// ones kin-openapi registers itself (date, date-time, byte). They are passed
// per validation rather than registered globally, so no package state
// changes. Formats not listed here (and unknown to kin-openapi) are
// annotations, as JSON Schema allows.
func stringFormats() map[string]openapi3.StringFormatValidator {
	check := func(f func(string) bool) openapi3.StringFormatValidator {
		return openapi3.NewCallbackValidator(func(v string) error {
			if !f(v) {
				return errFormat
			}
			return nil
		})
	}
	return map[string]openapi3.StringFormatValidator{
		"email":         check(isEmail),
		"uuid":          check(isUUID),
		"ipv4":          check(func(v string) bool { a, err := netip.ParseAddr(v); return err == nil && a.Is4() }),
		"ipv6":          check(func(v string) bool { a, err := netip.ParseAddr(v); return err == nil && a.Is6() }),
		"hostname":      check(isHostname),
		"uri":           check(isURI),
		"uri-reference": check(func(v string) bool { _, err := url.Parse(v); return err == nil }),
	}
}

// isEmail accepts a bare addr-spec (RFC 5322 §3.4.1): "a@example.com", not
// "Name <a@example.com>" and not a list.
func isEmail(v string) bool {
	if len(v) > 254 || strings.ContainsAny(v, "<>\r\n") {
		return false
	}
	a, err := mail.ParseAddress(v)
	return err == nil && a.Name == "" && a.Address == v && isHostname(v[strings.LastIndexByte(v, '@')+1:])
}

// isUUID accepts the 8-4-4-4-12 hexadecimal form (RFC 9562), any version.
func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isHostname accepts an RFC 1123 host name: dot-separated labels of 1 to 63
// letters, digits and hyphens, not starting or ending with a hyphen, 253
// bytes at most; one trailing dot is allowed.
func isHostname(v string) bool {
	v = strings.TrimSuffix(v, ".")
	if v == "" || len(v) > 253 {
		return false
	}
	for label := range strings.SplitSeq(v, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// isURI accepts an absolute URI (RFC 3986 §4.3): a scheme and no spaces.
func isURI(v string) bool {
	if strings.ContainsAny(v, " \t\r\n") {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme != ""
}
