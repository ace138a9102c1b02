// Package apikey authenticates requests by API key: the first authenticator a
// route can list, before JWT and introspection. It also creates, revokes and
// rotates keys for the CLI and the admin API.
//
// Threats: stolen or guessed keys, keys leaking through URLs and logs, a
// stolen database, revoked keys that keep working, and floods of bogus keys
// aimed at the store.
//
// Key format. A key is 66 characters:
//
//	bwk_<id: 12 base62><_><secret: 43 base62><checksum: 6 base62>
//
// The secret holds 256 bits from crypto/rand; the id is public and names the
// key in logs, audit events and the admin API. The checksum is CRC-32 (IEEE)
// of everything before it, in base62, most significant digit first,
// zero-padded. Secret scanners can match keys with
//
//	\bbwk_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}\b
//
// (Pattern) and verify the checksum to rule out false positives. A key of the
// wrong length, prefix, alphabet or checksum is refused as malformed before
// any store lookup, without allocating.
//
// Storage. The store holds only HMAC-SHA-256(pepper, key), looked up through
// a unique index and compared with hmac.Equal. The pepper lives in the
// config, not the database, so a database dump alone lets no one test keys.
//
// Verification. The key is read from one header (X-API-Key by default) that
// must hold exactly one value. A request with a key-like query parameter is
// refused with 400 even when its header key is valid: the URL has already
// leaked it. Verdicts are cached by hash: acceptances for at most CacheTTL
// and never past the key's expiry; unknown hashes for NegativeTTL in a
// bounded negative cache. Every node polls the store's key_events table
// every PollInterval and drops the keys that changed, so a revocation or
// rotation anywhere reaches every node within about a poll interval; if the
// store is unreachable, CacheTTL bounds how long a cached acceptance lasts.
// Last-used times are kept in memory and written in batches.
package apikey
