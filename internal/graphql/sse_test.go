package graphql

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSSESanitizer(t *testing.T) {
	leak := `{"errors":[{"message":"x","extensions":{"stack":"at db.go:12"}}]}`
	clean := `{"errors":[{"extensions":{},"message":"x"}]}`
	in := ": keep-alive\n\n" +
		"event: next\nid: 1\ndata: {\"data\":{\"a\":1}}\n\n" + // clean: byte for byte
		"event: next\ndata: " + leak + "\nid: 2\n\n" +
		"event: next\r\ndata: {\"errors\":[{\"message\":\"x\",\r\ndata: \"extensions\":{\"stack\":\"t\"}}]}\r\n\r\n" + // split over two data lines, CRLF
		"event: next\rdata:" + leak + "\r\r" + // CR endings, no space after the colon
		"data: not json\n\n" +
		"event: complete\ndata\n\n"
	want := ": keep-alive\n\n" +
		"event: next\nid: 1\ndata: {\"data\":{\"a\":1}}\n\n" +
		"event: next\ndata: " + clean + "\nid: 2\n\n" +
		"event: next\r\ndata: " + clean + "\r\n\r\n" +
		"event: next\rdata: " + clean + "\r\r" +
		"data: not json\n\n" +
		"event: complete\ndata\n\n"
	s := newSSESanitizer(io.NopCloser(strings.NewReader(in)), nil)
	got, err := io.ReadAll(s)
	if err != nil || string(got) != want {
		t.Fatalf("err %v\ngot  %q\nwant %q", err, got, want)
	}
	// A byte order mark that starts the stream is passed on, and the first
	// field is read without it, as a client reads it.
	s = newSSESanitizer(io.NopCloser(strings.NewReader("\xEF\xBB\xBFdata: "+leak+"\n\n")), nil)
	if got, err := io.ReadAll(s); err != nil || string(got) != "\xEF\xBB\xBFdata: "+clean+"\n\n" {
		t.Fatalf("stream with a byte order mark: %q %v", got, err)
	}
	// A body labelled as an event stream that is one JSON document is read
	// as one: fetch().json() ignores the label.
	for _, body := range []string{leak, "\n\n " + leak, "\xEF\xBB\xBF" + leak} {
		got, err := io.ReadAll(newSSESanitizer(io.NopCloser(strings.NewReader(body)), nil))
		if err != nil || strings.Contains(string(got), "db.go") || !strings.HasSuffix(string(got), clean) {
			t.Fatalf("JSON under an event-stream label %q: %q %v", body[:3], got, err)
		}
	}
	if _, err := io.ReadAll(newSSESanitizer(io.NopCloser(strings.NewReader("[1, 2]")), nil)); err == nil {
		t.Fatal("JSON that is no GraphQL answer under an event-stream label passed")
	}
	// An unterminated last event is checked too.
	s = newSSESanitizer(io.NopCloser(strings.NewReader("data: "+leak)), nil)
	if got, err := io.ReadAll(s); err != nil || strings.Contains(string(got), "db.go") {
		t.Fatalf("unterminated: %q %v", got, err)
	}
}

// Each event reaches the client as soon as its blank line is read: the
// sanitizer never waits for the next one.
func TestSSESanitizerStreams(t *testing.T) {
	pr, pw := io.Pipe()
	s := newSSESanitizer(pr, nil)
	go func() {
		_, _ = io.WriteString(pw, "event: next\ndata: {\"data\":{\"n\":1}}\n\n")
		// the second event is written only after the first was read
	}()
	buf := make([]byte, 256)
	var got []byte
	for !bytes.HasSuffix(got, []byte("\n\n")) {
		n, err := s.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "event: next\ndata: {\"data\":{\"n\":1}}\n\n" {
		t.Fatalf("first event: %q", got)
	}
	pw.Close()
	if n, err := s.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d %v", n, err)
	}
}

// What cannot be checked ends the stream with an error (the proxy aborts the
// answer): JSON that is no GraphQL response, an event past the bound.
func TestSSESanitizerFailsClosed(t *testing.T) {
	for name, in := range map[string]string{
		"not a response":        "data: {\"data\":{}}\n\ndata: [1,2]\n\n",
		"repeated errors":       "data: {\"errors\":[{\"message\":\"x\",\"extensions\":{\"stack\":\"t\"}}],\"errors\":null}\n\n",
		"too large":             "data: {\"data\":\"" + strings.Repeat("x", maxEvent) + "\"}\n\n",
		"too large, many lines": strings.Repeat("id: 1\n", maxEvent/6+1) + "\n",
	} {
		got, err := io.ReadAll(newSSESanitizer(io.NopCloser(strings.NewReader(in)), nil))
		if err == nil || errors.Is(err, io.EOF) || strings.Contains(string(got), "stack") || strings.Contains(string(got), "[1,2]") {
			t.Errorf("%s: read %d bytes, err %v", name, len(got), err)
		}
	}
}

// BenchmarkSSESanitizer cleans a stream of 100 events, one in ten with an
// error to clean.
func BenchmarkSSESanitizer(b *testing.B) {
	var sb strings.Builder
	for i := range 100 {
		if i%10 == 0 {
			sb.WriteString("event: next\ndata: {\"errors\":[{\"message\":\"x\",\"extensions\":{\"stack\":\"t\"}}]}\n\n")
			continue
		}
		sb.WriteString("event: next\ndata: {\"data\":{\"order\":{\"id\":\"1\",\"total\":12.5}}}\n\n")
	}
	stream := sb.String()
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.Copy(io.Discard, newSSESanitizer(io.NopCloser(strings.NewReader(stream)), nil)); err != nil {
			b.Fatal(err)
		}
	}
}
