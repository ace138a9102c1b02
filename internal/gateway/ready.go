package gateway

import (
	"errors"
	"fmt"
	"slices"
)

// Ready reports whether the serving config can authenticate callers: every JWT
// issuer a route uses has verification keys. The error names the issuers
// without keys (issuer URLs are configuration, not secrets).
func (g *Gateway) Ready() error {
	id := g.cur.Load().id
	if id == nil {
		return nil
	}
	var missing []string
	add := func(e *jwtEntry) {
		if e != nil && e.auth != nil {
			missing = append(missing, e.auth.MissingKeys()...)
		}
	}
	add(id.jwtAll)
	for _, e := range id.jwtOne {
		add(e)
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	return fmt.Errorf("%w: %v", ErrIssuerKeys, missing)
}

// ErrIssuerKeys marks a JWT issuer without verification keys.
var ErrIssuerKeys = errors.New("jwt issuers without keys")
