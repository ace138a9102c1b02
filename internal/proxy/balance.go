package proxy

// pick returns the next available target round-robin, skipping except, or
// nil when none is available. It takes no lock.
func (u *Upstream) pick(except *target) *target {
	n := uint64(len(u.targets))
	start := u.rr.Add(1) - 1
	for i := range n {
		t := u.targets[(start+i)%n]
		if t != except && t.available(u.now) {
			return t
		}
	}
	return nil
}
