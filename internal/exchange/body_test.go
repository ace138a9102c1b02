package exchange

import (
	"errors"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

func TestJSON(t *testing.T) {
	var x Exchange
	if _, err := x.JSON(); !errors.Is(err, ErrNoBody) {
		t.Fatalf("no body: %v", err)
	}
	x.SetBody([]byte(`{"a":[1,"\u0062"]}`))
	ix, err := x.JSON()
	if err != nil || ix.Len() != 4 || string(ix.Text(3)) != "b" {
		t.Fatalf("JSON = %v, %v", ix, err)
	}
	if again, _ := x.JSON(); again != ix {
		t.Fatal("parsed twice")
	}
	if b, ok := x.Body(); !ok || string(b) != `{"a":[1,"\u0062"]}` {
		t.Fatalf("Body = %q, %v", b, ok)
	}

	x.SetBody([]byte(`{"a":`)) // a rewrite forgets the old index
	if _, err := x.JSON(); !errors.Is(err, jsonread.ErrInvalid) {
		t.Fatalf("invalid body: %v", err)
	}
	if _, err2 := x.JSON(); !errors.Is(err2, jsonread.ErrInvalid) {
		t.Fatalf("second call: %v", err2)
	}

	pre, err := jsonread.Parse([]byte(`[1]`), jsonread.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x.SetJSON([]byte(`[1]`), pre)
	if got, err := x.JSON(); got != pre || err != nil {
		t.Fatalf("SetJSON: %v, %v", got, err)
	}
	x.ReleaseJSON()
	if _, err := x.JSON(); !errors.Is(err, ErrNoBody) {
		t.Fatalf("after ReleaseJSON: %v", err)
	}
	x.ReleaseJSON() // twice, and with no index, is harmless
}
