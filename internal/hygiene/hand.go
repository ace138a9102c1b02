package hygiene

import ex "github.com/bulwark-gw/bulwark/internal/exchange"

// HandBody gives the guards the body PrepareBody read: with the index it
// built while validating a JSON body (JSONIndex), so no guard parses the body
// again (exchange.JSON answers every guard with that one reading), else the
// bytes it buffered. A body left streaming is read later by the first guard
// that needs it, which sets it on x.
func HandBody(x *ex.Exchange) {
	if ix, ok := JSONIndex(x.Req); ok {
		x.SetJSON(ix.Data(), ix)
	} else if b, ok := BufferedBody(x.Req); ok {
		x.SetBody(b)
	}
}
