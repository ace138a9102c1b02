package sensitive

import (
	"strings"
	"testing"
)

func TestDetectPasswordHash(t *testing.T) {
	sha512 := "$6$rounds=5000$saltsalt$" + strings.Repeat("aZ09./", 14) + "ab"
	runDetect(t, PasswordHash, []detectCase{
		{"bcrypt 2a", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", true},
		{"bcrypt 2b", "$2b$12$" + strings.Repeat("abcdefghij./", 4) + "ABCDE", true},
		{"argon2id", "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", true},
		{"argon2i no version", "$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A", true},
		{"scrypt passlib", "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", true},
		{"scrypt crypt", "$7$CU..../....SfMrPeRu8j8H2nFd3eu/q1$OuCNQyTQh6HM6aMOE3tdchbW1dOt0O6/35kDrvEcRoB", true},
		{"django pbkdf2", "pbkdf2_sha256$260000$mYsalt0123$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4YWJjZA=", true},
		{"passlib pbkdf2", "$pbkdf2-sha256$29000$N2GMUWpNKc.jdw$Yj/pBsdO2uy4p1Ogu0VEZj1uCNSqqt0yWZ4gMuSP8ak", true},
		{"sha512crypt", sha512, true},
		{"sha512crypt no rounds", "$6$saltsalt$" + strings.Repeat("aZ09./", 14) + "ab", true},
		{"bcrypt short", "$2a$10$N9qo8uLOickgx2ZMRZoMy", false},
		{"bcrypt bad char", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhW!", false},
		{"price", "$100.00", false},
		{"env var", "$HOME/bin/tool", false},
		{"template", "${env:SECRET_TOKEN_VALUE}", false},
		{"sha512 short hash", "$6$saltsalt$abc", false},
		{"argon2 no params", "$argon2id$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", false},
		{"pbkdf2 truncated", "$pbkdf2-sha256$", false},
		{"django prose", "pbkdf2_sha256$ is the django default", false},
		{"dollar words", "$1 $2 $3 $4 $5 $6 $7", false},
		{"redacted", "[REDACTED:password_hash]", false},
	})
}
