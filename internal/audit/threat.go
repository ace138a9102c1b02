package audit

import "strings"

// Threat is the class of threat a reason code answers: what the console's
// dashboard stacks refusals by.
type Threat string

// Threat classes. The first six are the threats a guard stops; ThreatFailure
// is a guard or upstream that could not answer (fail closed); ThreatOther is
// neither (a CORS preflight, a client that went away, an admin change).
const (
	ThreatAuthentication Threat = "authentication"
	ThreatAuthorization  Threat = "authorization"
	ThreatRateLimit      Threat = "rate_limit"
	ThreatInjection      Threat = "injection"
	ThreatExposure       Threat = "exposure"
	ThreatHygiene        Threat = "hygiene"
	ThreatFailure        Threat = "failure"
	ThreatOther          Threat = "other"
)

// Threats lists the classes in the order the console stacks them.
var Threats = [...]Threat{ThreatAuthentication, ThreatAuthorization, ThreatRateLimit, ThreatInjection,
	ThreatExposure, ThreatHygiene, ThreatFailure, ThreatOther}

// threatOf is the one table from reason code to threat class. A code ending in
// _monitored (a finding in monitor mode) has its base code's class; a code
// starting with injection_ or graphql_ not listed here is injection or hygiene.
// TestEveryReasonHasAThreat fails when a code the gateway can produce is in no
// class.
var threatOf = map[string]Threat{
	// Who is calling: credentials, tokens, sign-in and its brute-force guard.
	"algorithm_not_allowed": ThreatAuthentication, "audience_mismatch": ThreatAuthentication,
	"bad_signature": ThreatAuthentication, "claims_invalid": ThreatAuthentication,
	"conflicting_credentials": ThreatAuthentication, "credential_in_query": ThreatAuthentication,
	"credential_malformed": ThreatAuthentication, "credentials_missing": ThreatAuthentication,
	"expired": ThreatAuthentication, "multiple_credentials": ThreatAuthentication,
	"not_yet_valid": ThreatAuthentication, "revoked": ThreatAuthentication,
	"token_inactive": ThreatAuthentication, "token_too_large": ThreatAuthentication,
	"unknown_issuer": ThreatAuthentication, "unknown_key": ThreatAuthentication,
	"invalid_credentials": ThreatAuthentication, "consumer_unknown": ThreatAuthentication,
	"login_locked": ThreatAuthentication, "login_malformed": ThreatAuthentication,
	"login_username_invalid": ThreatAuthentication, "login_busy": ThreatAuthentication,
	// What the caller may do: roles, scopes, ownership, policies, enumeration.
	"admin_only": ThreatAuthorization, "insufficient_role": ThreatAuthorization,
	"insufficient_scope": ThreatAuthorization, "not_owner": ThreatAuthorization,
	"object_id_invalid": ThreatAuthorization, "policy_denied": ThreatAuthorization,
	"policy_error": ThreatAuthorization, "mass_assignment": ThreatAuthorization,
	"readonly_field": ThreatAuthorization, "enumeration_blocked": ThreatAuthorization,
	"enumeration_denied_share": ThreatAuthorization, "enumeration_distinct_ids": ThreatAuthorization,
	"enumeration_sequential_ids": ThreatAuthorization, "graphql_field_forbidden": ThreatAuthorization,
	"cors_origin_refused": ThreatAuthorization,
	// How much: rates, quotas, query cost.
	"rate_limited": ThreatRateLimit, "quota_exceeded": ThreatRateLimit, "graphql_cost_exceeded": ThreatRateLimit,
	// What the request carries: injection detectors and the WAF.
	"injection_detected": ThreatInjection, "request_malformed": ThreatInjection, "waf_blocked": ThreatInjection,
	"waf": ThreatInjection,
	// What the response would reveal.
	"response_too_large": ThreatExposure, "response_undeclared": ThreatExposure,
	"response_unfilterable": ThreatExposure, "sensitive_data_blocked": ThreatExposure,
	"upstream_error": ThreatExposure, "graphql_introspection_disabled": ThreatExposure,
	// Whether the request is well formed and expected at all.
	"bad_framing": ThreatHygiene, "bad_header": ThreatHygiene, "body_timeout": ThreatHygiene,
	"body_too_large": ThreatHygiene, "body_unreadable": ThreatHygiene, "headers_too_large": ThreatHygiene,
	"too_many_headers": ThreatHygiene, "json_duplicate_key": ThreatHygiene, "json_invalid": ThreatHygiene,
	"json_too_deep": ThreatHygiene, "method_invalid": ThreatHygiene, "method_not_allowed": ThreatHygiene,
	"method_undeclared": ThreatHygiene, "operation_undeclared": ThreatHygiene,
	"owned_header_in_connection": ThreatHygiene, "path_invalid": ThreatHygiene, "required": ThreatHygiene,
	"request_invalid": ThreatHygiene, "route_not_found": ThreatHygiene, "unsupported_media_type": ThreatHygiene,
	// A guard or upstream that could not answer.
	"audit_unavailable": ThreatFailure, "authn_unavailable": ThreatFailure, "authz_unavailable": ThreatFailure,
	"bruteforce_unavailable": ThreatFailure, "quota_unavailable": ThreatFailure,
	"rate_limiter_unavailable": ThreatFailure, "internal": ThreatFailure, "internal_error": ThreatFailure,
	"upstream_stream_aborted": ThreatFailure, "upstream_unavailable": ThreatFailure,
	"upstream_unreachable": ThreatFailure, "waf_error": ThreatFailure, "graphql_rewrite_failed": ThreatFailure,
	// Neither.
	"admin_action": ThreatOther, "cors_preflight": ThreatOther, "client_closed": ThreatOther,
}

// ThreatOf returns the class of a reason code and whether the table knows it;
// an unknown code is ThreatOther.
func ThreatOf(reason string) (Threat, bool) {
	code := strings.TrimSuffix(reason, "_monitored")
	if t, ok := threatOf[code]; ok {
		return t, true
	}
	switch {
	case strings.HasPrefix(code, "injection_"):
		return ThreatInjection, true
	case strings.HasPrefix(code, "graphql_"):
		return ThreatHygiene, true
	}
	return ThreatOther, false
}
