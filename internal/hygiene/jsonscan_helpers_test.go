package hygiene

import (
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// jsonVerdict is what PrepareBody answers a JSON body, for the table tests
// written against the scanner hygiene had before jsonread.
type jsonVerdict uint8

const (
	jsonOK jsonVerdict = iota
	jsonInvalid
	jsonTooDeep
	jsonDuplicateKey
)

// Sizes the tests of the duplicate-key check are written around: jsonread
// compares an object's keys pair by pair up to 16 of them, and sorts more.
const (
	pairwiseKeys    = 16
	maxPointerBytes = jsonread.MaxPointerBytes
)

// scanJSON reads data as bufferJSON does (jsonread.Parse with the route's
// options, the error mapped by jsonProblem) and returns the verdict and, for
// a duplicate key, the pointer the problem names.
func scanJSON(data []byte, maxDepth int, uniqueKeys bool) (jsonVerdict, string) {
	ix, err := jsonread.Parse(data, jsonOptions(&Limits{JSONMaxDepth: maxDepth, JSONUniqueKeys: uniqueKeys}))
	ix.Release()
	p := jsonProblem(err)
	switch codeOf(p) {
	case "":
		return jsonOK, ""
	case "json_too_deep":
		return jsonTooDeep, ""
	case "json_duplicate_key":
		for _, e := range p.Extensions {
			if e.Name == "pointer" {
				ptr, _ := e.Value.(string)
				return jsonDuplicateKey, ptr
			}
		}
	}
	return jsonInvalid, ""
}
