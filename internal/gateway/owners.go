package gateway

import "context"

// FlushOwners writes the ownership records still queued in the outbox
// (the store could not take them when they were made), until they are all
// in the store or ctx ends; what is left is logged once with its count.
// Call it at shutdown, after the listeners have drained and before Close.
func (g *Gateway) FlushOwners(ctx context.Context) { g.owners.Shutdown(ctx) }
