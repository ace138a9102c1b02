package apikey

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Limits on what a key may carry, so that a principal stays small.
const (
	maxNameLen  = 256
	maxListLen  = 64
	maxMetadata = 64
)

// ErrInvalidRequest is wrapped by Manager errors caused by the request
// itself (a bad field, a negative overlap, rotating a revoked or already
// rotated key), as opposed to the store failing. Its message is safe to show.
var ErrInvalidRequest = errors.New("invalid api key request")

// ManagerStore is what a Manager writes keys to; *store.Store is one.
type ManagerStore interface {
	CreateKey(ctx context.Context, k *store.APIKey) error
	KeyByID(ctx context.Context, id string) (*store.APIKey, error)
	ListKeys(ctx context.Context, f store.KeyFilter) ([]*store.APIKey, error)
	RevokeKey(ctx context.Context, id string, at time.Time) error
	RotateKey(ctx context.Context, oldID string, next *store.APIKey, at time.Time, overlap time.Duration) error
}

// Manager creates, lists, revokes and rotates keys, for the CLI and the
// admin API. Keys it returns carry no hash; a plaintext key is returned once,
// at creation or rotation, and never stored.
type Manager struct {
	st   ManagerStore
	hash *hasher
	now  func() time.Time
}

// NewManager returns a Manager over st. pepper must be the one the gateway's
// Verifier uses; now defaults to time.Now.
func NewManager(st ManagerStore, pepper []byte, now func() time.Time) (*Manager, error) {
	if st == nil {
		return nil, errors.New("apikey: a store is required")
	}
	h, err := newHasher(pepper)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Manager{st: st, hash: h, now: now}, nil
}

// CreateRequest describes a new key.
type CreateRequest struct {
	Consumer string            // required: the application the key belongs to
	Subject  string            // optional: the user it acts for
	Scopes   []string          // RFC 6749 §3.3 scope tokens
	Roles    []string          // role names
	Metadata map[string]string // free-form labels, shown in listings
	// ExpiresIn is the key's lifetime; 0 means it does not expire.
	ExpiresIn time.Duration
}

func (r *CreateRequest) validate() error {
	var errs []error
	if r.Consumer == "" {
		errs = append(errs, errors.New("consumer is required"))
	}
	for _, s := range []struct{ what, v string }{{"consumer", r.Consumer}, {"subject", r.Subject}} {
		if len(s.v) > maxNameLen || strings.IndexFunc(s.v, notPrintable) >= 0 {
			errs = append(errs, fmt.Errorf("%s must be at most %d printable characters", s.what, maxNameLen))
		}
	}
	for _, l := range []struct {
		what string
		v    []string
	}{{"scope", r.Scopes}, {"role", r.Roles}} {
		if len(l.v) > maxListLen {
			errs = append(errs, fmt.Errorf("at most %d %ss", maxListLen, l.what))
		}
		for _, s := range l.v {
			if s == "" || len(s) > maxNameLen || strings.IndexFunc(s, notToken) >= 0 {
				errs = append(errs, fmt.Errorf("%s %q: want 1 to %d visible ASCII characters, no quote or backslash", l.what, s, maxNameLen))
			}
		}
	}
	if len(r.Metadata) > maxMetadata {
		errs = append(errs, fmt.Errorf("at most %d metadata entries", maxMetadata))
	}
	if r.ExpiresIn < 0 {
		errs = append(errs, errors.New("expiry must not be negative"))
	}
	return errors.Join(errs...)
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// notToken rejects what RFC 6749 §3.3 leaves out of a scope token.
func notToken(r rune) bool { return r < 0x21 || r > 0x7e || r == '"' || r == '\\' }

// Create stores a new key and returns it with its plaintext, which cannot be
// shown again.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (string, *store.APIKey, error) {
	if err := req.validate(); err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	now := m.now()
	k := &store.APIKey{Consumer: req.Consumer, Subject: req.Subject, Scopes: slices.Clone(req.Scopes),
		Roles: slices.Clone(req.Roles), Metadata: maps.Clone(req.Metadata), CreatedAt: now}
	if req.ExpiresIn > 0 {
		k.ExpiresAt = now.Add(req.ExpiresIn)
	}
	plain, err := m.fill(k)
	if err != nil {
		return "", nil, err
	}
	if err := m.st.CreateKey(ctx, k); err != nil {
		return "", nil, fmt.Errorf("apikey: create: %w", err)
	}
	k.Hash = nil
	return plain, k, nil
}

// fill gives k a new random key's id and hash and returns the key.
func (m *Manager) fill(k *store.APIKey) (string, error) {
	plain, id, err := NewKey()
	if err != nil {
		return "", err
	}
	h, err := m.hash.sum(plain)
	if err != nil {
		return "", err
	}
	k.ID, k.Hash = id, h[:]
	return plain, nil
}

// List returns the keys f selects, without their hashes.
func (m *Manager) List(ctx context.Context, f store.KeyFilter) ([]*store.APIKey, error) {
	keys, err := m.st.ListKeys(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("apikey: list: %w", err)
	}
	for _, k := range keys {
		k.Hash = nil
	}
	return keys, nil
}

// Revoke revokes key id now. Gateways sharing the store refuse it within
// their poll interval. An unknown id wraps store.ErrNotFound.
func (m *Manager) Revoke(ctx context.Context, id string) error {
	if err := m.st.RevokeKey(ctx, id, m.now()); err != nil {
		return fmt.Errorf("apikey: revoke: %w", err)
	}
	return nil
}

// Rotate replaces key id with a new key carrying the same consumer, subject,
// scopes, roles, metadata and lifetime. The old key stays valid for overlap
// (never beyond its own expiry), so clients can switch without downtime.
func (m *Manager) Rotate(ctx context.Context, id string, overlap time.Duration) (string, *store.APIKey, error) {
	if overlap < 0 {
		return "", nil, fmt.Errorf("%w: overlap must not be negative", ErrInvalidRequest)
	}
	old, err := m.st.KeyByID(ctx, id)
	if err != nil {
		return "", nil, fmt.Errorf("apikey: rotate: %w", err)
	}
	now := m.now()
	next := &store.APIKey{Consumer: old.Consumer, Subject: old.Subject, Scopes: old.Scopes, Roles: old.Roles,
		Metadata: old.Metadata, CreatedAt: now}
	if !old.ExpiresAt.IsZero() && old.ExpiresAt.After(old.CreatedAt) {
		next.ExpiresAt = now.Add(old.ExpiresAt.Sub(old.CreatedAt))
	}
	plain, err := m.fill(next)
	if err != nil {
		return "", nil, err
	}
	switch err := m.st.RotateKey(ctx, id, next, now, overlap); {
	case errors.Is(err, store.ErrKeyRevoked), errors.Is(err, store.ErrKeyReplaced):
		return "", nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	case err != nil:
		return "", nil, fmt.Errorf("apikey: rotate: %w", err)
	}
	next.Hash = nil
	return plain, next, nil
}
