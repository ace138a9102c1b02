package sensitive

import "testing"

func TestDetectPhone(t *testing.T) {
	runDetect(t, Phone, []detectCase{
		{"e164 us", "+14155550100", true},
		{"e164 de", "+4930123456", true},
		{"us formatted", "+1 (415) 555-0100", true},
		{"us national", "(415) 555-0100", true},
		{"us no space", "(415)555-0100", true},
		{"uk", "+44 20 7946 0958", true},
		{"uk trunk zero", "+44 (0) 20 7946 0958", true},
		{"fr pairs", "+33 1 23 45 67 89", true},
		{"dotted", "+1.415.555.0100", true},
		{"plain digits", "14155550100", false},
		{"plain formatted", "415-555-0100", false},
		{"too short", "+1234567", false},
		{"too long", "+1234567890123456", false},
		{"leading zero cc", "+0123456789", false},
		{"signed date", "+2024-11-28", false},
		{"date", "2024-11-28", false},
		{"version", "+1.2.3.4.5.6.7.8", false},
		{"paren version", "(1.2.3)", false},
		{"copyright", "(c) 2024 Acme", false},
		{"signed amount", "+1500.00", false},
		{"trailing separator", "+1 415 555 0100-", false},
		{"double separator", "+1 415  555 0100", false},
		{"masked", "+* (***) ***-0100", false},
		{"unbalanced", "+1 (415 555 0100", false},
	})
}
