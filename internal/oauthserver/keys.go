package oauthserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/hkdf"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// signingAlg is the algorithm of every signing key.
const signingAlg = "ES256"

// derive returns a 32-byte key for label from the configured secret (HKDF-SHA-256).
func derive(secret []byte, label string) []byte {
	k := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte("bulwark oauth "+label)), k); err != nil {
		panic(err) // 32 bytes of HKDF-SHA-256 output never fail
	}
	return k
}

// sealer encrypts small secrets at rest: JWE compact, dir + A256GCM.
type sealer struct{ key []byte }

func (s sealer) seal(plain []byte) ([]byte, error) {
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: s.key}, nil)
	if err != nil {
		return nil, err
	}
	obj, err := enc.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	out, err := obj.CompactSerialize()
	return []byte(out), err
}

func (s sealer) open(sealed []byte) ([]byte, error) {
	obj, err := jose.ParseEncrypted(string(sealed), []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, err
	}
	return obj.Decrypt(s.key)
}

// signingKey is one loaded key.
type signingKey struct {
	kid       string
	priv      *ecdsa.PrivateKey
	pub       jose.JSONWebKey
	signsFrom time.Time
	retired   time.Time
}

// keyring holds the signing keys, loaded from and rotated in the store.
type keyring struct {
	st       *store.Store
	seal     sealer
	rotation time.Duration
	ahead    time.Duration
	keep     time.Duration // how long a retired key stays published
	now      func() time.Time

	mu     sync.RWMutex
	keys   []*signingKey // oldest first
	loaded time.Time
}

// load reads the keys, creating the first one, rotating an old one, and
// retiring those a newer signing key replaced.
func (k *keyring) load(ctx context.Context) error {
	now := k.now()
	rows, err := k.st.OAuthKeys(ctx, now)
	if err != nil {
		return err
	}
	keys, err := k.decode(rows)
	if err != nil {
		return err
	}
	var signing, pending *signingKey
	for _, key := range keys {
		if !key.retired.IsZero() {
			continue
		}
		if key.signsFrom.After(now) {
			pending = key
		} else {
			signing = key
		}
	}
	switch {
	case signing == nil && pending == nil:
		// No token can exist yet: the first key signs at once.
		key, err := k.create(ctx, now, now)
		if err != nil {
			return err
		}
		keys = append(keys, key)
	case pending == nil && now.Sub(signing.signsFrom) >= k.rotation:
		// Published now, signing only once every gateway has fetched it.
		key, err := k.create(ctx, now, now.Add(k.ahead))
		if err != nil {
			return err
		}
		keys = append(keys, key)
	}
	// Keys older than the newest signing one stop signing and stay published
	// until the tokens they signed have expired.
	var newest *signingKey
	for _, key := range keys {
		if !key.signsFrom.After(now) {
			newest = key
		}
	}
	for _, key := range keys {
		if key != newest && key.retired.IsZero() && !key.signsFrom.After(now) {
			if err := k.st.RetireOAuthKey(ctx, key.kid, now, now.Add(k.keep)); err != nil {
				return err
			}
			key.retired = now
		}
	}
	k.mu.Lock()
	k.keys, k.loaded = keys, k.now()
	k.mu.Unlock()
	return nil
}

// stale reports whether the keys were loaded more than d ago.
func (k *keyring) stale(d time.Duration) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.now().Sub(k.loaded) > d
}

func (k *keyring) decode(rows []*store.OAuthKey) ([]*signingKey, error) {
	out := make([]*signingKey, 0, len(rows))
	for _, r := range rows {
		plain, err := k.seal.open(r.PrivateEnc)
		if err != nil {
			return nil, fmt.Errorf("oauth signing key %s: cannot decrypt (wrong oauth secret?): %w", r.KID, err)
		}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(plain); err != nil {
			return nil, fmt.Errorf("oauth signing key %s: %w", r.KID, err)
		}
		priv, ok := jwk.Key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("oauth signing key %s: not an EC private key", r.KID)
		}
		out = append(out, &signingKey{kid: r.KID, priv: priv, pub: jwk.Public(), signsFrom: r.SignsFrom, retired: r.RetiredAt})
	}
	return out, nil
}

func (k *keyring) create(ctx context.Context, now, signsFrom time.Time) (*signingKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	kid := randomID(12)
	jwk := jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: signingAlg, Use: "sig"}
	plain, err := jwk.MarshalJSON()
	if err != nil {
		return nil, err
	}
	sealed, err := k.seal.seal(plain)
	if err != nil {
		return nil, err
	}
	pub, err := json.Marshal(jwk.Public())
	if err != nil {
		return nil, err
	}
	row := &store.OAuthKey{KID: kid, Alg: signingAlg, PublicJWK: string(pub), PrivateEnc: sealed, CreatedAt: now, SignsFrom: signsFrom}
	if err := k.st.AddOAuthKey(ctx, row); err != nil {
		return nil, err
	}
	return &signingKey{kid: kid, priv: priv, pub: jwk.Public(), signsFrom: signsFrom}, nil
}

// current returns the key that signs now.
func (k *keyring) current() (*signingKey, error) {
	now := k.now()
	k.mu.RLock()
	defer k.mu.RUnlock()
	var cur *signingKey
	for _, key := range k.keys {
		if !key.signsFrom.After(now) && key.retired.IsZero() {
			cur = key
		}
	}
	if cur == nil {
		return nil, errors.New("oauth: no signing key")
	}
	return cur, nil
}

// public returns the published key kid.
func (k *keyring) public(kid string) (*ecdsa.PublicKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, key := range k.keys {
		if key.kid == kid {
			return &key.priv.PublicKey, true
		}
	}
	return nil, false
}

// jwks returns every published key.
func (k *keyring) jwks() jose.JSONWebKeySet {
	k.mu.RLock()
	defer k.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(k.keys))}
	for _, key := range k.keys {
		set.Keys = append(set.Keys, key.pub)
	}
	return set
}

// randomID returns n random bytes, base64url.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
