// Package openapi loads the OpenAPI 3.0/3.1 document attached to an API and
// answers what the gateway's guards need from it: which operation a route is
// (Match), which request-body fields a client must not write (ReadOnlyFields,
// for the mass-assignment guard) and which response fields an operation
// declares (ResponseFields, for response filtering against excessive data
// exposure).
//
// The document is operator configuration, but it is treated as untrusted
// input: it may not make the gateway fetch URLs or read other files (external
// $refs are refused, which stops SSRF and local file disclosure through a
// crafted $ref), it is capped at [MaxSize], and every walk of its schemas is
// bounded in depth and work so that recursive or combinatorial schemas
// terminate.
//
// A [Doc] is immutable after [Parse] and safe for concurrent use. The plan
// builder loads it once per reload; guards read it while building a route's
// chain, never per request.
package openapi
