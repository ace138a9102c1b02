// Command jwtmint makes the credentials for bench/run.sh's JWT scenario: it
// generates a fresh RSA-2048 key, writes the public half as a PEM "PUBLIC KEY"
// file (for identity.jwt[].keys: ["${file:...}"]) and prints one RS256 token
// to stdout. The private key lives only in this process's memory.
//
//	jwtmint -pub /tmp/x/jwt-pub.pem > /tmp/x/token
//
// Token claims: iss https://bench.local/, aud bench, sub bench-user,
// scope "bench:read", iat now, exp now + 1h (flags change them).
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func main() {
	pubPath := flag.String("pub", "jwt-pub.pem", "where to write the public key (PEM)")
	iss := flag.String("iss", "https://bench.local/", "iss claim")
	aud := flag.String("aud", "bench", "aud claim")
	sub := flag.String("sub", "bench-user", "sub claim")
	scope := flag.String("scope", "bench:read", "scope claim (space-separated)")
	ttl := flag.Duration("ttl", time.Hour, "token lifetime (exp = now + ttl)")
	flag.Parse()

	if err := run(*pubPath, *iss, *aud, *sub, *scope, *ttl); err != nil {
		fmt.Fprintln(os.Stderr, "jwtmint:", err)
		os.Exit(1)
	}
}

func run(pubPath, iss, aud, sub, scope string, ttl time.Duration) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return err
	}

	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return err
	}
	now := time.Now()
	payload, err := json.Marshal(map[string]any{
		"iss": iss, "aud": aud, "sub": sub, "scope": scope,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	})
	if err != nil {
		return err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return err
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		return err
	}
	_, err = fmt.Println(tok)
	return err
}
