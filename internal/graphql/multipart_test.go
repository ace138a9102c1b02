package graphql

import (
	"io"
	"strings"
	"testing"
)

const partCT = "Content-Type: application/json; charset=utf-8\r\n\r\n"

func TestMultipartSanitizer(t *testing.T) {
	in := "\r\n---\r\n" + partCT + `{"data":{"order":{"id":"1"}},"errors":[{"message":"x","extensions":{"stack":"at db.go:1"}}],"hasNext":true}` +
		"\r\n---\r\n" + partCT + `{"incremental":[{"data":{"total":1},"path":["order"],"errors":[{"message":"y","extensions":{"code":"E","trace":"at db.go:2"}}]}],"hasNext":true}` +
		"\r\n---\r\n" + partCT + `{"incremental":[{"items":[1],"path":["order","items",0]}],"hasNext":false}` +
		"\r\n---\r\n" + partCT + `{"completed":[{"id":"0","errors":[{"message":"z","extensions":{"stack":"at db.go:3"}}]}],"hasNext":false}` +
		"\r\n---\r\nContent-Type: text/plain\r\n\r\nnot json" +
		"\r\n-----\r\n"
	want := "--" + "-\r\n" + partCT + `{"data":{"order":{"id":"1"}},"errors":[{"extensions":{},"message":"x"}],"hasNext":true}` +
		"\r\n---\r\n" + partCT + `{"hasNext":true,"incremental":[{"data":{"total":1},"errors":[{"extensions":{"code":"E"},"message":"y"}],"path":["order"]}]}` +
		"\r\n---\r\n" + partCT + `{"incremental":[{"items":[1],"path":["order","items",0]}],"hasNext":false}` +
		"\r\n---\r\n" + partCT + `{"completed":[{"errors":[{"extensions":{},"message":"z"}],"id":"0"}],"hasNext":false}` +
		"\r\n---\r\nContent-Type: text/plain\r\n\r\nnot json" +
		"\r\n-----\r\n"
	got, err := io.ReadAll(newMultipartSanitizer(io.NopCloser(strings.NewReader(in)), "-", nil))
	if err != nil || string(got) != want {
		t.Fatalf("err %v\ngot  %q\nwant %q", err, got, want)
	}
}

// Each part reaches the client once its closing boundary is read, before the
// next part arrives.
func TestMultipartSanitizerStreams(t *testing.T) {
	pr, pw := io.Pipe()
	m := newMultipartSanitizer(pr, "-", nil)
	go func() {
		_, _ = io.WriteString(pw, "\r\n---\r\n"+partCT+`{"data":{"n":1},"hasNext":true}`+"\r\n---\r\n")
	}()
	first := "---\r\n" + partCT + `{"data":{"n":1},"hasNext":true}`
	buf := make([]byte, 512)
	var got []byte
	for len(got) < len(first) {
		n, err := m.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != first {
		t.Fatalf("first part: %q", got)
	}
	pw.Close()
}

// What cannot be checked ends the answer: JSON that is no GraphQL payload,
// repeated keys, a part past the bound.
func TestMultipartSanitizerFailsClosed(t *testing.T) {
	part := func(body string) string { return "\r\n---\r\n" + partCT + body + "\r\n-----\r\n" }
	for name, in := range map[string]string{
		"not a payload":           part(`[1,2]`),
		"incremental twice":       part(`{"incremental":[{"errors":[{"message":"x","extensions":{"stack":"t"}}]}],"incremental":[]}`),
		"repeated errors in item": part(`{"incremental":[{"errors":[{"message":"x","extensions":{"stack":"t"}}],"errors":null}]}`),
		"incremental not a list":  part(`{"incremental":{"errors":[]}}`),
		"too large":               part(`{"data":"` + strings.Repeat("x", maxEvent) + `"}`),
	} {
		got, err := io.ReadAll(newMultipartSanitizer(io.NopCloser(strings.NewReader(in)), "-", nil))
		if err == nil || strings.Contains(string(got), "stack") {
			t.Errorf("%s: read %q, err %v", name, got, err)
		}
	}
}

// BenchmarkMultipartSanitizer cleans an answer of 20 parts, one in ten with
// an error to clean.
func BenchmarkMultipartSanitizer(b *testing.B) {
	var sb strings.Builder
	for i := range 20 {
		sb.WriteString("\r\n---\r\n" + partCT)
		if i%10 == 0 {
			sb.WriteString(`{"incremental":[{"data":{"n":1},"path":["a"],"errors":[{"message":"x","extensions":{"stack":"t"}}]}],"hasNext":true}`)
			continue
		}
		sb.WriteString(`{"incremental":[{"items":[{"id":"1","total":12.5}],"path":["a","items",0]}],"hasNext":true}`)
	}
	sb.WriteString("\r\n-----\r\n")
	answer := sb.String()
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.Copy(io.Discard, newMultipartSanitizer(io.NopCloser(strings.NewReader(answer)), "-", nil)); err != nil {
			b.Fatal(err)
		}
	}
}
