package apikey

import (
	"net/url"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// keyInURL reports whether u carries an API key: whatever authn.InURL refuses
// on every route, and on routes that check API keys also a parameter named
// "key" (as some APIs take keys). Keys in URLs leak through logs, proxies,
// browser history and Referer headers, so such requests are refused even when
// the key is valid.
func keyInURL(u *url.URL) bool {
	return u != nil && (authn.InURL(u) != nil || authn.QueryHas(u.RawQuery, bareKeyParam))
}

func bareKeyParam(name, _ string) bool { return strings.EqualFold(name, "key") }
