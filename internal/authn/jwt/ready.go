package jwt

// MissingKeys lists the issuers that have no verification key right now (their
// JWKS has not been fetched yet, or every fetch failed and nothing was cached):
// their tokens are refused with 503 until keys arrive, so the process is not
// ready to serve them.
func (a *Authenticator) MissingKeys() []string {
	var out []string
	for _, is := range a.ordered {
		if len(is.keys.load().all) == 0 {
			out = append(out, is.cfg.Issuer)
		}
	}
	return out
}
