package main

import (
	"syscall"
	"testing"
)

// TestWaitForStoreKillLosesNoAnsweredEvent: with audit.wait_for_store, a
// request is answered only once its event is in the store, so kill -9 under
// load (eight clients, right after the 500th answer) loses no event of an
// answered request. Without the option the same kill loses the last flush
// interval's events (TestKillUnderLoadKeepsTheStoreUsable).
func TestWaitForStoreKillLosesNoAnsweredEvent(t *testing.T) {
	acked, stored, _ := stopUnderLoad(t, syscall.SIGKILL, "  wait_for_store: true\n")
	var lost []string
	for id := range acked {
		if !stored[id] {
			lost = append(lost, id)
		}
	}
	t.Logf("kill -9 with wait_for_store: %d answered requests, %d audit events stored", len(acked), len(stored))
	if len(lost) > 0 {
		t.Fatalf("%d of %d answered requests have no stored audit event (e.g. %v)", len(lost), len(acked), lost[:min(5, len(lost))])
	}
}
