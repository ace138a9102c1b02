package statuswriter

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestWriter(t *testing.T) {
	cases := []struct {
		name   string
		do     func(w *Writer)
		status int   // Writer.Status
		wrote  bool  // Writer.Wrote
		hook   []int // what OnHeader saw
		sent   int   // what the client got; 0: not asked (the recorder keeps a 1xx)
		body   string
	}{
		{"nothing written", func(*Writer) {}, 200, false, nil, 200, ""},
		{"body without a header sends 200", func(w *Writer) { w.Write([]byte("hi")) }, 200, true, []int{200}, 200, "hi"},
		{"explicit status", func(w *Writer) { w.WriteHeader(404) }, 404, true, []int{404}, 404, ""},
		{"a second status is not recorded", func(w *Writer) { w.WriteHeader(404); w.WriteHeader(500) }, 404, true, []int{404}, 404, ""},
		{"informational before the final status", func(w *Writer) { w.WriteHeader(103); w.WriteHeader(201) }, 201, true, []int{201}, 0, ""},
		{"switching protocols is final", func(w *Writer) { w.WriteHeader(101) }, 101, true, []int{101}, 101, ""},
		{"flush before a header sends 200", func(w *Writer) { w.Flush(); w.WriteHeader(418) }, 200, true, []int{200}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := Get(rec)
			defer Put(w)
			var seen []int
			w.OnHeader = func(s int) { seen = append(seen, s) }
			c.do(w)
			if w.Status != c.status || w.Wrote != c.wrote || !slices.Equal(seen, c.hook) {
				t.Fatalf("status %d wrote %v hook %v; want %d %v %v", w.Status, w.Wrote, seen, c.status, c.wrote, c.hook)
			}
			if (c.sent != 0 && rec.Code != c.sent) || rec.Body.String() != c.body {
				t.Fatalf("client got %d %q, want %d %q", rec.Code, rec.Body.String(), c.sent, c.body)
			}
		})
	}
}

// TestFlushReachesTheConnection: http.ResponseController flushes through
// Unwrap, and a flush the connection cannot do is reported.
func TestFlushReachesTheConnection(t *testing.T) {
	rec := httptest.NewRecorder()
	w := Get(rec)
	if err := http.NewResponseController(w).Flush(); err != nil || !rec.Flushed {
		t.Fatalf("flush: %v, flushed %v", err, rec.Flushed)
	}
	if w.Unwrap() != http.ResponseWriter(rec) {
		t.Fatal("Unwrap is not the connection's writer")
	}
	Put(w)
	plain := Get(struct{ http.ResponseWriter }{httptest.NewRecorder()}) // no Flush method
	defer Put(plain)
	if err := plain.FlushError(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("flush without support: %v", err)
	}
}

// TestGetResets: a pooled writer starts clean.
func TestGetResets(t *testing.T) {
	w := Get(httptest.NewRecorder())
	w.OnHeader = func(int) {}
	w.WriteHeader(500)
	Put(w)
	for range 3 { // the pool may or may not hand the same one back
		w := Get(httptest.NewRecorder())
		if w.Status != 200 || w.Wrote || w.OnHeader != nil {
			t.Fatalf("a writer from the pool: status %d wrote %v hook %v", w.Status, w.Wrote, w.OnHeader != nil)
		}
		Put(w)
	}
}
