// Package jsonreadtest holds the reference the tests of JSON readers compare
// with: what encoding/json's tokenizer says about a document.
package jsonreadtest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// RefDuplicates is the reference of the duplicate-key tests: the RFC 6901
// pointers of every duplicate key encoding/json's tokenizer meets in a valid
// document, keys folded by jsonstr.AppendFoldedKey as jsonread folds them.
func RefDuplicates(data []byte) map[string]bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	dups := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, _ := dec.Token()
				key, _ := kt.(string)
				raw, _ := json.Marshal(key)
				f := string(jsonstr.AppendFoldedKey(nil, raw[1:len(raw)-1]))
				p := path + "/" + esc.Replace(key)
				if seen[f] {
					dups[p] = true
				}
				seen[f] = true
				walk(p)
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				walk(path + "/" + strconv.Itoa(i))
			}
			_, _ = dec.Token()
		}
	}
	walk("")
	return dups
}
