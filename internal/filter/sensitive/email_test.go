package sensitive

import "testing"

func TestDetectEmail(t *testing.T) {
	runDetect(t, Email, []detectCase{
		{"plain", "jane.doe@example.com", true},
		{"plus tag", "jane+news@example.co.uk", true},
		{"upper", "JANE@EXAMPLE.ORG", true},
		{"padded", " jane@example.com ", true},
		{"localhost", "user@localhost", false},
		{"no tld", "user@host", false},
		{"numeric tld", "pkg@1.2.3", false},
		{"scp remote", "git@github.com:org/repo.git", false},
		{"retina asset", "icon@2x.png", false},
		{"retina asset upper", "logo@3x.JPEG", false},
		{"handle", "@jane", false},
		{"two ats", "a@b@example.com", false},
		{"leading dot", ".jane@example.com", false},
		{"double dot", "jane..doe@example.com", false},
		{"hyphen label edge", "jane@-example.com", false},
		{"masked", "j***@example.com", false},
		{"redacted", "[REDACTED:email]", false},
		{"sentence", "mail jane@example.com today", false},
	})
}
