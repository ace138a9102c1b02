// Package admin serves the admin API on its own listener (loopback by default).
//
// Every /admin/api/ endpoint needs `Authorization: Bearer <admin token>`; the token
// comes from the config (a ${env:..} or ${file:..} reference) and is compared in
// constant time over SHA-256 digests, so neither its content nor its length leaks
// through timing. /healthz, /readyz and the metrics path need no token: they reveal
// nothing but liveness and counters.
package admin
