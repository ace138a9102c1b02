package hygiene

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// A guard's rewrite is held like a buffered body: read again without a copy,
// replayable, and sent with its own length.
func TestSetBody(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("original"))
	buf := []byte("rewritten")
	SetBody(r, buf)
	got, ok := BufferedBody(r)
	if !ok || &got[0] != &buf[0] || r.ContentLength != int64(len(buf)) {
		t.Fatalf("BufferedBody = %q, %v (length %d)", got, ok, r.ContentLength)
	}
	if _, ok := UniqueKeyJSON(r); ok {
		t.Fatal("a rewrite claims to be checked JSON")
	}
	for range 2 {
		rc, err := r.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(rc); string(b) != "rewritten" {
			t.Fatalf("GetBody = %q", b)
		}
	}
	if b, _ := io.ReadAll(r.Body); string(b) != "rewritten" {
		t.Fatalf("Body = %q", b)
	}
}
