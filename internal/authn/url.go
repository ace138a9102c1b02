package authn

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/redact"
)

// descInURL is the public description of a credential sent in the URL.
const descInURL = "Send credentials in a header, never in the URL."

// InURL returns a 400 Failure when the request's URL carries a credential: user
// info (http://user:pass@host/ in an absolute-form request), a Bulwark key
// anywhere in the path, a path parameter (";access_token=…", which Java and
// other stacks read) or query parameter named like a credential (access_token,
// api_key and its spellings), or a query name or value starting with the
// Bulwark key prefix. URLs are written to access logs, proxies, browser
// history and Referer headers, so such a request is refused on every route —
// open ones included, and whatever else it carries: the URL has leaked the
// credential already, and forwarding it would leak it again. It returns nil for
// a clean URL and allocates only when a query parameter is percent- or
// plus-encoded.
func InURL(u *url.URL) *Failure {
	if u == nil || (u.User == nil && !redact.HasKey(u.Path) && !pathParamCredential(u.Path) && !QueryHas(u.RawQuery, credentialPair)) {
		return nil
	}
	return &Failure{Reason: ReasonInQuery, Status: http.StatusBadRequest, Code: ErrCodeInvalidRequest, Description: descInURL}
}

// QueryHas reports whether match holds for a parameter of rawQuery (a URL's
// RawQuery), split on '&' and ';' alike (servers disagree on ';'). Names and
// values are percent-decoded when they need it; an undecodable one is given as
// sent.
func QueryHas(rawQuery string, match func(name, value string) bool) bool {
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
		if match(name, value) {
			return true
		}
	}
	return false
}

// pathParamCredential reports whether a segment of path carries a ";name=value"
// parameter named like a credential.
func pathParamCredential(path string) bool {
	for {
		i := strings.IndexByte(path, ';')
		if i < 0 {
			return false
		}
		path = path[i+1:]
		param := path
		if j := strings.IndexAny(param, ";/"); j >= 0 {
			param = param[:j]
		}
		name, value, _ := strings.Cut(param, "=")
		if credentialPair(name, value) {
			return true
		}
	}
}

// credentialPair reports whether a query parameter carries a credential.
func credentialPair(name, value string) bool {
	return credentialParam(name) || keyPrefixed(name) || keyPrefixed(value)
}

// credentialParams are the parameter names clients put credentials under,
// compared ignoring case and '-'/'_'. A bare "key" is refused only on routes
// that check API keys (by the apikey authenticator): elsewhere it is too common
// a name for other things.
var credentialParams = []string{"accesstoken", "apikey", "xapikey", "apitoken", "bearer", "authorization"}

func credentialParam(name string) bool {
	if len(name) > 16 {
		return false
	}
	var buf [16]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	for _, p := range credentialParams {
		if string(buf[:n]) == p {
			return true
		}
	}
	return false
}

func keyPrefixed(s string) bool {
	return len(s) >= len(redact.KeyPrefix) && strings.EqualFold(s[:len(redact.KeyPrefix)], redact.KeyPrefix)
}

// unescape decodes a query component; an undecodable one is kept as sent.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
