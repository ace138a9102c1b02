package oauthserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Optional TOTP (RFC 6238) second factor of end users, through
// github.com/pquerna/otp: the defaults every authenticator app reads (SHA-1,
// six digits, 30-second steps), one step of clock skew either way, and a
// code accepted once only (the store keeps the last accepted step). The
// secret is kept encrypted with a key derived from oauth.secret.
const (
	totpPeriod = 30
	totpSkew   = 1
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpSealer encrypts TOTP secrets in the store.
func totpSealer(secret []byte) sealer { return sealer{key: derive(secret, "totp encryption")} }

// EnrollTOTP gives the user username a new TOTP secret (replacing any) and
// returns the otpauth:// URL for an authenticator app and the base32 secret,
// shown once. From then on the user signs in with a one-time code too.
func EnrollTOTP(ctx context.Context, st *store.Store, opts Options, username string) (otpauth, secret string, err error) {
	if len(opts.Secret) < MinSecretBytes {
		return "", "", errors.New("totp: the oauth secret is missing")
	}
	u, err := st.OAuthUserByName(ctx, username)
	if err != nil {
		return "", "", err
	}
	issuer := opts.Issuer
	if p, err := url.Parse(opts.Issuer); err == nil && p.Hostname() != "" {
		issuer = p.Hostname() // a colon would split the app's label
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Username, Period: totpPeriod,
		Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm})
	if err != nil {
		return "", "", fmt.Errorf("totp: %w", err)
	}
	sealed, err := totpSealer(opts.Secret).seal([]byte(key.Secret()))
	if err != nil {
		return "", "", fmt.Errorf("totp: %w", err)
	}
	if err := st.SetOAuthUserTOTP(ctx, u.ID, sealed); err != nil {
		return "", "", err
	}
	return key.URL(), key.Secret(), nil
}

// RemoveTOTP turns the user's second factor off.
func RemoveTOTP(ctx context.Context, st *store.Store, username string) error {
	u, err := st.OAuthUserByName(ctx, username)
	if err != nil {
		return err
	}
	return st.SetOAuthUserTOTP(ctx, u.ID, nil)
}

// checkTOTP reports whether code is the user's current one-time code (or
// the one a step before or after), never accepted before. A failing store
// is an error, not a wrong code.
func (s *Server) checkTOTP(ctx context.Context, u *store.OAuthUser, code string) (bool, error) {
	plain, err := s.totpSeal.open(u.TOTPSecret)
	if err != nil {
		return false, fmt.Errorf("totp secret of %s: %w", u.ID, err)
	}
	now := s.opts.Now().Unix() / totpPeriod
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		want, err := hotp.GenerateCodeCustom(string(plain), uint64(step), totpOpts) //nolint:gosec // step > 0
		if err != nil {
			return false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s.st.UseOAuthTOTPStep(ctx, u.ID, step)
		}
	}
	return false, nil
}
