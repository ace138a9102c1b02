package evasion

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"

	"github.com/bulwark-gw/bulwark/internal/inspect"
)

// Channels a payload is sent on: the query string and a JSON body.
var Channels = []string{"query", "json"}

// InspectorTarget sends values to an Inspector the way a client would: a
// value as the query parameter q or the JSON member "q"; a NoSQL document
// (class nosqli) as the JSON body itself or in bracket syntax in the query.
// An inspection error counts as a refusal (the gateway answers 400).
func InspectorTarget(in *inspect.Inspector, c Class) Target {
	r := rand.New(rand.NewPCG(1, 2))
	return func(channel, v string) bool {
		var req inspect.Request
		switch {
		case c == NoSQLi && channel == "json":
			req = inspect.Request{ContentType: "application/json", Body: []byte(v)}
		case c == NoSQLi:
			qs, ok := QueryForm(r, v)
			if !ok {
				return true
			}
			req = inspect.Request{RawQuery: qs}
		case channel == "json":
			body, _ := json.Marshal(map[string]string{"q": v})
			req = inspect.Request{ContentType: "application/json", Body: body}
		default:
			req = inspect.Request{RawQuery: "q=" + url.QueryEscape(v)}
		}
		_, found, err := in.Inspect(&req)
		return found || err != nil
	}
}
