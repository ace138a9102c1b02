package codec

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

var encodings = []string{"gzip", "x-gzip", "br", "zstd", "deflate"}

func sampleJSON(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"product %d","price":%d.99,"tags":["a","b"]}`, i, i*7, i%100)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	bodies := map[string][]byte{
		"empty": {},
		"small": []byte(`{"error":"order not found"}`),
		"json":  sampleJSON(10 << 10),
		"large": bytes.Repeat([]byte("0123456789abcdef"), 64<<10), // 1 MiB
	}
	for _, enc := range append(encodings, "", "identity", " GZIP ", "Br") {
		for name, body := range bodies {
			t.Run(fmt.Sprintf("%q/%s", enc, name), func(t *testing.T) {
				compressed, err := Encode(body, enc)
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				got, err := Decode(bytes.NewReader(compressed), enc, int64(len(body)))
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if !bytes.Equal(got, body) {
					t.Fatalf("round trip mismatch: got %d bytes, want %d", len(got), len(body))
				}
				if got, err := DecodeBytes(compressed, enc, int64(len(body))); err != nil || !bytes.Equal(got, body) {
					t.Fatalf("DecodeBytes: %d bytes, %v", len(got), err)
				}
				if len(body) > 0 {
					if _, err := Decode(bytes.NewReader(compressed), enc, int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
						t.Fatalf("Decode with max = len-1: err = %v, want ErrTooLarge", err)
					}
					if _, err := DecodeBytes(compressed, enc, int64(len(body)-1)); !errors.Is(err, ErrTooLarge) {
						t.Fatalf("DecodeBytes with max = len-1: err = %v, want ErrTooLarge", err)
					}
				}
			})
		}
	}
}

func TestDecodeBomb(t *testing.T) {
	zeros := make([]byte, 10<<20)
	const max = 1 << 20
	for _, enc := range encodings {
		t.Run(enc, func(t *testing.T) {
			bomb, err := Encode(zeros, enc)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if len(bomb) > 64<<10 {
				t.Fatalf("bomb is %d bytes, want a small one", len(bomb))
			}
			got, err := Decode(bytes.NewReader(bomb), enc, max)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if got != nil {
				t.Fatalf("got %d bytes with error", len(got))
			}
		})
	}
	t.Run("identity", func(t *testing.T) {
		if _, err := Decode(bytes.NewReader(zeros), "identity", max); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

func TestDecodeCorrupt(t *testing.T) {
	body := sampleJSON(10 << 10)
	for _, enc := range encodings {
		compressed, err := Encode(body, enc)
		if err != nil {
			t.Fatalf("Encode %s: %v", enc, err)
		}
		flipped := bytes.Clone(compressed)
		flipped[len(flipped)/2] ^= 0xff
		cases := []struct {
			name string
			in   []byte
		}{
			{"truncated half", compressed[:len(compressed)/2]},
			{"truncated tail", compressed[:len(compressed)-1]},
			{"only header", compressed[:2]},
			{"flipped byte", flipped},
			{"garbage", []byte("this is not compressed at all, not even a little bit")},
		}
		for _, tc := range cases {
			t.Run(enc+"/"+tc.name, func(t *testing.T) {
				got, err := Decode(bytes.NewReader(tc.in), enc, 1<<20)
				if err == nil {
					t.Fatalf("no error, got %d bytes", len(got))
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("err = %v, want ErrCorrupt", err)
				}
			})
		}
	}
}

func TestDecodeRawDeflate(t *testing.T) {
	body := sampleJSON(4 << 10)
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf, "deflate", 1<<20)
	if err != nil {
		t.Fatalf("Decode raw deflate: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Fatal("raw deflate mismatch")
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct {
		name, enc string
	}{
		{"stacked", "gzip, br"},
		{"stacked identity", "identity, gzip"},
		{"trailing comma", "gzip,"},
		{"compress", "compress"},
		{"x-compress", "x-compress"},
		{"unknown", "lz4"},
		{"garbage", "gzip;q=1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(strings.NewReader("x"), tc.enc, 10); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Decode err = %v, want ErrUnsupported", err)
			}
			if _, err := Encode([]byte("x"), tc.enc); !errors.Is(err, ErrUnsupported) {
				t.Errorf("Encode err = %v, want ErrUnsupported", err)
			}
		})
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestDecodeReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	compressed, err := Encode(sampleJSON(1<<10), "gzip")
	if err != nil {
		t.Fatal(err)
	}
	r := io.MultiReader(bytes.NewReader(compressed[:20]), failingReader{boom})
	if _, err := Decode(r, "gzip", 1<<20); !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want the reader's error, not ErrCorrupt", err)
	}
}

func TestDecodeLimits(t *testing.T) {
	if _, err := Decode(strings.NewReader("x"), "", -1); err == nil {
		t.Error("negative max: no error")
	}
	if got, err := Decode(strings.NewReader(""), "gzip", 0); err != nil || len(got) != 0 {
		t.Errorf("empty gzip body: got %q, %v; want empty, nil", got, err)
	}
	if _, err := Decode(strings.NewReader("x"), "", 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("max 0 identity: err = %v, want ErrTooLarge", err)
	}
}

func benchmarkRoundTrip(b *testing.B, enc string) {
	body := sampleJSON(10 << 10)
	compressed, err := Encode(body, enc)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(bytes.NewReader(compressed), enc, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode(body, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGzip(b *testing.B) { benchmarkRoundTrip(b, "gzip") }
func BenchmarkZstd(b *testing.B) { benchmarkRoundTrip(b, "zstd") }

// TestDecodeZstdWindow checks that a frame asking for more than RFC 9659's 8 MiB window
// is refused before the decoder allocates it.
func TestDecodeZstdWindow(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(32<<20), zstd.WithSingleSegment(false))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc.Reset(&buf)
	if _, err := enc.Write(bytes.Repeat([]byte("abc"), 4<<20)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(&buf, "zstd", 64<<20); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt for a 32 MiB window", err)
	}
}

func TestDecodeBytesIdentityIsNoCopy(t *testing.T) {
	body := []byte(`{"a":1}`)
	got, err := DecodeBytes(body, "identity", 100)
	if err != nil || &got[0] != &body[0] {
		t.Fatalf("DecodeBytes copied or failed: %v", err)
	}
	if got, err := DecodeBytes(nil, "", 0); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("DecodeBytes(nil) = %v, %v; want an empty body", got, err)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = DecodeBytes(body, "", 100) }); n != 0 {
		t.Errorf("DecodeBytes identity allocates %.0f", n)
	}
	if _, err := DecodeBytes(body, "gzip, br", 100); !errors.Is(err, ErrUnsupported) {
		t.Errorf("stacked: %v", err)
	}
}
