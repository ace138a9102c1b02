package audit

import "testing"

func TestNoted(t *testing.T) {
	cases := []struct {
		name                 string
		ev                   Event
		rule, object, reason string
		want                 Event
	}{
		{"nothing noted", Event{Rule: "r", Object: "o", Reason: "x"}, "", "", "", Event{Rule: "r", Object: "o", Reason: "x"}},
		{"rule and object", Event{}, "owner[0]", "order:1", "", Event{Rule: "owner[0]", Object: "order:1"}},
		{"a later note replaces", Event{Rule: "a", Object: "o:1"}, "b", "o:2", "", Event{Rule: "b", Object: "o:2"}},
		{"rule without an object keeps the object", Event{Object: "o:1"}, "policy", "", "", Event{Rule: "policy", Object: "o:1"}},
		{"reason of an allowed request", Event{Decision: DecisionAllow}, "sqli.tautology", "query:q", "injection_sqli_monitored",
			Event{Decision: DecisionAllow, Rule: "sqli.tautology", Object: "query:q", Reason: "injection_sqli_monitored"}},
		{"a refusal's reason wins", Event{Decision: DecisionDeny, Reason: "not_owner"}, "", "", "injection_sqli_monitored",
			Event{Decision: DecisionDeny, Reason: "not_owner"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := c.ev
			ev.Noted(c.rule, c.object, c.reason)
			if ev.Rule != c.want.Rule || ev.Object != c.want.Object || ev.Reason != c.want.Reason || ev.Decision != c.want.Decision {
				t.Fatalf("got rule %q object %q reason %q, want %q %q %q", ev.Rule, ev.Object, ev.Reason, c.want.Rule, c.want.Object, c.want.Reason)
			}
		})
	}
}
