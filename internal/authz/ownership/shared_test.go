package ownership

import (
	"errors"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestSharedCreatesOnceAndCloses(t *testing.T) {
	s := NewShared(storetest.Open(t, storetest.SQLiteDSN(t)), nil)
	s.Close() // nothing created yet: nothing to stop
	a, err := s.Get()
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Get()
	if err != nil || a != b {
		t.Fatalf("second Get: %v %v", b, err)
	}
	s.Close()

	if _, err := NewShared(nil, nil).Get(); !errors.Is(err, ErrNoStore) {
		t.Fatalf("without a store: %v", err)
	}
}
