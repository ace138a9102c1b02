package gateway

import (
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
)

// handBody gives the guards the body hygiene.PrepareBody read: with the index
// it built while validating a JSON body, so no guard parses the body again
// (exchange.JSON answers every guard with that one reading). A body left
// streaming is read later by the first guard that needs it, which sets it.
func handBody(x *exchange.Exchange) {
	if ix, ok := hygiene.JSONIndex(x.Req); ok {
		x.SetJSON(ix.Data(), ix)
	} else if b, ok := hygiene.BufferedBody(x.Req); ok {
		x.SetBody(b)
	}
}
