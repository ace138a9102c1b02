package sensitive

import (
	"strings"
	"testing"
)

func TestDetectSecrets(t *testing.T) {
	type row struct {
		name string
		in   string
		want Kind // "" = no secret kind at all
	}
	jwt := testJWT()
	rows := []row{
		{"pem rsa", pemKey("RSA "), PrivateKey},
		{"pem pkcs8", pemKey(""), PrivateKey},
		{"pem openssh", pemKey("OPENSSH "), PrivateKey},
		{"pem header only", "-----BEGIN EC " + "PRIVATE KEY-----", PrivateKey},
		{"pem public key", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----", ""},
		{"pem certificate", "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+g\n-----END CERTIFICATE-----", ""},
		{"aws id", awsKeyID(), CloudKey},
		{"aws id in text", "aws_access_key_id=" + awsKeyID() + "\n", CloudKey},
		{"aws temp id", "AS" + "IA" + "Y34FZKBOKMUTVV7A", CloudKey},
		{"aws id too long", awsKeyID() + "X", ""},
		{"aws id lower case", strings.ToLower(awsKeyID()), ""},
		{"aws id bad alphabet", "AK" + "IA" + "IOSFODNN1EXAMPLE", ""},
		{"aws glued to word", "x" + awsKeyID(), ""},
		{"gcp api key", gcpKey(), CloudKey},
		{"jwt", jwt, JWT},
		{"jwt bearer", "Bearer " + jwt, JWT},
		{"jwt alg none", jwtOf(`{"alg":"none"}`, `{"sub":"x"}`, ""), JWT},
		{"jwt header without alg", jwtOf(`{"typ":"JWT"}`, `{"sub":"x"}`, "c2ln"), ""},
		{"jwt header not json", jwtOf(`{"alg"`, `{"sub":"x"}`, "c2ln"), ""},
		{"jwt two parts", strings.Join(strings.Split(jwt, ".")[:2], "."), ""},
		{"dotted words", "eyJust.some.words", ""},
		{"github classic", ghToken(), APIKey},
		{"github in url", "https://" + ghToken() + "@github.com/o/r", APIKey},
		{"github short", "gh" + "p_abc123", ""},
		{"github fine grained", "github" + "_pat_" + strings.Repeat("11ABCDEFG0", 8) + "xy", APIKey},
		{"slack", slackToken(), APIKey},
		{"slack short", "xo" + "xb-123", ""},
		{"stripe live", stripeKey(), APIKey},
		{"stripe test", "sk" + "_test_" + strings.Repeat("4eC39HqLyjWDarjtT1zdp7dc", 1), ""},
		{"bulwark key", bulwarkKey(), APIKey},
		{"bulwark key short", bulwarkKey()[:60], ""},
		{"bulwark key glued", bulwarkKey() + "a", ""},
		{"snake case", "github_pat_is_a_prefix_we_document_here", ""},
		{"prose", "the quick brown fox jumps over the lazy dog", ""},
		{"redacted", "[REDACTED:api_key]", ""},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			got := detect([]byte(tc.in), allKinds) & secretKinds
			var want kindSet
			if tc.want != "" {
				i, _ := indexOf(tc.want)
				want = 1 << i
			}
			if got != want {
				t.Errorf("secret kinds of %q = %b, want %b", tc.in, got, want)
			}
		})
	}
}
