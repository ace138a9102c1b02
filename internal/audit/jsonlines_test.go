package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestJSONLinesFileOneObjectPerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	var want []Event
	for round := range 2 { // the second round reopens and must append
		sink, err := OpenJSONLines(path, true)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRecorder(Config{BatchSize: 3}, nil, sink)
		r.Start()
		for i := range 10 {
			e := testEvent(round*10 + i)
			e.Path = hostileStrings[i%len(hostileStrings)]
			e.Principal = "line\nbreak\u2028sep"
			r.Record(e)
			want = append(want, e)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := sink.Close(); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %o, want 600", perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var n int
	for ; sc.Scan(); n++ {
		line := sc.Bytes()
		if !json.Valid(line) {
			t.Fatalf("line %d is not one JSON object: %q", n, line)
		}
		var back, ref Event
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatal(err)
		}
		refJSON, _ := json.Marshal(want[n])
		_ = json.Unmarshal(refJSON, &ref) // invalid UTF-8 becomes U+FFFD in both
		if !back.Time.Equal(ref.Time) || back.RequestID != ref.RequestID || back.Path != ref.Path || back.Principal != ref.Principal {
			t.Errorf("line %d = %+v, want %+v", n, back, ref)
		}
	}
	if n != len(want) || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("%d lines, want %d, each ending in a newline", n, len(want))
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestJSONLinesWriteErrors(t *testing.T) {
	batch := []Event{testEvent(1)}
	var buf bytes.Buffer
	ok := NewJSONLines(&buf, "stdout", true) // sync on a non-file is ignored
	if err := ok.Write(context.Background(), batch); err != nil {
		t.Fatalf("write: %v", err)
	}
	if ok.Name() != "jsonlines:stdout" || buf.Len() == 0 {
		t.Errorf("name %q, %d bytes", ok.Name(), buf.Len())
	}
	if err := NewJSONLines(failingWriter{}, "x", false).Write(context.Background(), batch); err == nil {
		t.Error("write to a failing writer succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ok.Write(ctx, batch); !errors.Is(err, context.Canceled) {
		t.Errorf("write with cancelled ctx = %v", err)
	}
	if _, err := OpenJSONLines(filepath.Join(t.TempDir(), "missing", "audit.log"), false); err == nil {
		t.Error("open in a missing directory succeeded")
	}
	if err := ok.Close(); err != nil {
		t.Errorf("Close of a writer sink: %v", err)
	}
}

// fakeStore is an Appender.
type fakeStore struct {
	err    error
	events []Event
}

func (f *fakeStore) AppendAudit(_ context.Context, events []Event) error {
	if f.err != nil {
		return f.err
	}
	f.events = append(f.events, events...)
	return nil
}

func TestStoreSink(t *testing.T) {
	errDB := errors.New("db down")
	tests := []struct {
		name     string
		storeErr error
	}{
		{name: "ok"},
		{name: "error is wrapped", storeErr: errDB},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{err: tc.storeErr}
			s := NewStoreSink("sqlite", st)
			err := s.Write(context.Background(), []Event{testEvent(1), testEvent(2)})
			if !errors.Is(err, tc.storeErr) || (tc.storeErr == nil) != (err == nil) {
				t.Fatalf("Write = %v, want %v", err, tc.storeErr)
			}
			if tc.storeErr == nil && len(st.events) != 2 {
				t.Errorf("store got %d events", len(st.events))
			}
			if s.Name() != "store:sqlite" {
				t.Errorf("name %q", s.Name())
			}
		})
	}
}
