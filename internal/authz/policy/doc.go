// Package policy evaluates authorization rules written as CEL expressions, for
// what the declarative rules (scopes, roles, ownership) cannot say. It runs in
// the authorize step, after authentication has produced a principal and before
// the request is forwarded upstream.
//
// A rule is compiled and type-checked once, at config load, against a fixed
// request environment (principal, params, query, headers, method, path); a rule
// that does not type-check, or does not yield a bool, is a configuration error
// with a line and column. Evaluation is bounded by a cost limit so that a
// hostile or careless rule cannot pin a CPU, and every evaluation error
// (missing key, type mismatch, cost exceeded) is returned as an error so that
// the caller denies: a rule that cannot decide never allows.
package policy
