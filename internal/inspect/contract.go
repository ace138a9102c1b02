package inspect

import "github.com/bulwark-gw/bulwark/internal/openapi"

// ContractText is what the API's OpenAPI document says about the text of
// the route's fields (x-bulwark-text: prose, formats, patterns, lengths),
// for the inspector's context-aware scoring (Config.TextFields); nil
// without a document or when the route does not name one method of one
// declared operation.
func ContractText(doc *openapi.Doc, methods []string, path string) []TextField {
	if doc == nil || len(methods) != 1 {
		return nil
	}
	op, ok := doc.Match(methods[0], path)
	if !ok {
		return nil
	}
	var out []TextField
	for _, f := range doc.TextFields(op.Method, op.Path) {
		t := TextStrict
		if f.Prose {
			t = TextProse
		}
		out = append(out, TextField{Field: f.Field, Text: t})
	}
	return out
}
