package audit

// Noted adds what the request's guards noted while it ran (exchange.Notes),
// once, when the request is over: the deciding rule and the object replace
// the event's when given. A noted reason (a finding let pass, such as
// injection_sqli_monitored) is the event's only when the request's decision
// named none: a refusal's reason, an upstream error's and a panic's take
// precedence.
func (e *Event) Noted(rule, object, reason string) {
	if rule != "" {
		e.Rule = rule
	}
	if object != "" {
		e.Object = object
	}
	if reason != "" && e.Reason == "" {
		e.Reason = reason
	}
}
