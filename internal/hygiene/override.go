package hygiene

import "net/http"

// OverrideHeaders are the request headers with which some frameworks let a
// client replace the request's method or URL after every gateway check has run:
// X-HTTP-Method-Override (Google, ASP.NET, Express method-override), X-HTTP-Method
// (OData, Microsoft), X-Method-Override (IBM, Express), X-Original-URL and
// X-Rewrite-URL (IIS, Symfony, Zend), X-Original-URI and X-Original-Method
// (nginx auth_request setups), X-Envoy-Original-Path (Envoy). A GET the gateway
// allowed could reach the handler as a DELETE, or /public as /admin.
var OverrideHeaders = []string{
	"X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
	"X-Original-Url", "X-Rewrite-Url", "X-Original-Uri", "X-Original-Method", "X-Envoy-Original-Path",
}

// overrideNorm is OverrideHeaders normalised (see Owned): lower case, '-' for
// every byte that is not a letter or digit.
var overrideNorm = func() []string {
	out := make([]string, len(OverrideHeaders))
	for i, n := range OverrideHeaders {
		out[i] = normalName(n)
	}
	return out
}()

// StripOverrides deletes every method or URL override header from h, in any
// spelling a backend could read as one (X_HTTP_Method_Override too), except the
// canonical spelling of a name in keep (canonical header keys: a route whose
// backend needs one keeps it). It allocates nothing.
func StripOverrides(h http.Header, keep []string) {
	for k := range h {
		for _, n := range overrideNorm {
			if normalEqual(k, n) && !kept(k, keep) {
				delete(h, k)
				break
			}
		}
	}
}

func kept(k string, keep []string) bool {
	for _, n := range keep {
		if k == n {
			return true
		}
	}
	return false
}
