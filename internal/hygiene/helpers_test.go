package hygiene

import "github.com/bulwark-gw/bulwark/internal/httperr"

// codeOf returns the problem's code, or "" for nil.
func codeOf(p *httperr.Problem) string {
	if p == nil {
		return ""
	}
	return p.Code
}
