package sensitive

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

// Test credentials are assembled at run time so that no literal in the
// repository looks like a live secret to secret scanners.

func ghToken() string    { return "gh" + "p_" + strings.Repeat("aB3dE5", 6) }
func awsKeyID() string   { return "AK" + "IA" + "IOSFODNN7EXAMPLE" }
func gcpKey() string     { return "AI" + "za" + strings.Repeat("Sy-0_Ab", 5) }
func slackToken() string { return "xo" + "xb-" + "123456789012-abcdefABCDEF" }
func stripeKey() string  { return "sk" + "_live_" + strings.Repeat("4eC39HqLyjWDarjtT1zdp7dc", 1) }
func bulwarkKey() string {
	return "bw" + "k_" + strings.Repeat("a1", 6) + "_" + strings.Repeat("Z9y8", 12) + "q"
}
func pemKey(l string) string {
	return "-----BEGIN " + l + "PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END " + l + "PRIVATE KEY-----\n"
}

// jwtOf builds header.payload.signature from JSON header and claims.
func jwtOf(header, claims, sig string) string {
	e := base64.RawURLEncoding
	return e.EncodeToString([]byte(header)) + "." + e.EncodeToString([]byte(claims)) + "." + sig
}

func testJWT() string {
	return jwtOf(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"1234567890","name":"Jane"}`, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
}

// detectCase is one row of a detector table: want is whether Detect reports kind.
type detectCase struct {
	name string
	in   string
	want bool
}

// runDetect checks Detect(in) contains kind exactly when want.
func runDetect(t *testing.T, kind Kind, cases []detectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Contains(Detect(tc.in), kind)
			if got != tc.want {
				t.Errorf("Detect(%q) has %s = %v, want %v (all: %v)", tc.in, kind, got, tc.want, Detect(tc.in))
			}
		})
	}
}
