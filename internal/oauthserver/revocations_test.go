package oauthserver

import (
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestRevocationWakesOtherNodes: a node following the revocation log hourly
// still refuses a token revoked on another node, because PostgreSQL's change
// notification wakes its poller.
func TestRevocationWakesOtherNodes(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	node, other := storetest.Open(t, dsn), storetest.Open(t, dsn)
	ctx := t.Context()
	r := NewRevocations(node, time.Hour, time.Hour, nil)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { <-done }) // runs after t.Context is canceled
	claims := map[string]any{"jti": "tok-1"}
	if r.Revoked(claims) {
		t.Fatal("revoked before any revocation")
	}
	if err := other.RevokeOAuthJTI(ctx, "tok-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !r.Revoked(claims) {
		if time.Now().After(deadline) {
			t.Fatal("the revocation never reached the node (it polls hourly: the notification did not wake it)")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
