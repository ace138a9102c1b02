package hygiene

import (
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// CheckMethod refuses a method that is not in allowed with 405
// "method_not_allowed" and an Allow header listing allowed (RFC 9110 §15.5.6).
// Methods are case-sensitive (RFC 9110 §9.1), so allowed must be upper case as
// configured. An empty allowed list refuses every method (fail closed).
func CheckMethod(method string, allowed []string) *httperr.Problem {
	for _, m := range allowed {
		if m == method {
			return nil
		}
	}
	return httperr.New(http.StatusMethodNotAllowed, "method_not_allowed",
		"This method is not allowed on this path.").
		WithHeader("Allow", strings.Join(allowed, ", "))
}

// CheckMethodCase refuses with 400 "method_invalid" a method token with a
// lower-case letter. Methods are case-sensitive (RFC 9110 §9.1), but many
// backends upper-case what they receive: "get" or "Delete" would then run as
// GET or DELETE although the route table (and a route that allows any method)
// saw another method.
func CheckMethodCase(method string) *httperr.Problem {
	for i := 0; i < len(method); i++ {
		if c := method[i]; 'a' <= c && c <= 'z' {
			return httperr.New(http.StatusBadRequest, "method_invalid",
				"Methods are case-sensitive: send the method in upper case.")
		}
	}
	return nil
}
