package gateway

import (
	"errors"
	"fmt"
)

// Ready reports whether the serving config can authenticate callers: every JWT
// issuer a route uses has verification keys. The error names the issuers
// without keys (issuer URLs are configuration, not secrets).
func (g *Gateway) Ready() error {
	if missing := g.cur.Load().id.MissingKeys(); len(missing) > 0 {
		return fmt.Errorf("%w: %v", ErrIssuerKeys, missing)
	}
	return nil
}

// ErrIssuerKeys marks a JWT issuer without verification keys.
var ErrIssuerKeys = errors.New("jwt issuers without keys")
