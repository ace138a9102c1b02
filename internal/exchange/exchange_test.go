package exchange

import "testing"

func TestNote(t *testing.T) {
	var x Exchange
	x.Note("owner[0]", "order:1")
	x.Note("policy", "") // a later rule wins; an empty object keeps the one noted
	if x.Notes.Rule != "policy" || x.Notes.Object != "order:1" {
		t.Fatalf("notes %+v", x.Notes)
	}
}
