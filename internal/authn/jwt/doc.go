// Package jwt authenticates requests that carry a JSON Web Token as an OAuth 2.0
// bearer token (RFC 6750, RFC 7519, RFC 8725). It sits in a route's authn chain
// (see package authn) and turns a verified token into a principal.
//
// The threat is forged and replayed tokens: alg "none" and algorithm confusion
// (an HMAC keyed with the issuer's public key), keys smuggled in the token
// (jwk, jku, x5u, x5c), kid injection, psychic ECDSA signatures, parser
// differentials (duplicate member names, non-canonical base64), expired or
// not-yet-valid tokens, tokens for another audience, and floods of unknown key
// ids meant to hammer the issuer's JWKS endpoint.
//
// Every token goes through strict pre-checks written here before go-jose does the
// cryptography: size cap, canonical base64url, JSON objects without duplicate
// member names, an exact algorithm allow-list per issuer, no crit, no embedded
// keys or key URLs. Keys come only from configuration: static keys, a JWKS URL or
// an OIDC discovery document. A verified token is cached by its SHA-256 until it
// expires, so a token seen before costs a hash and a map lookup.
package jwt
