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
