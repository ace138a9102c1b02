package hygiene

import (
	"strings"
	"testing"
)

type feedResult struct {
	out outcome
	at  int // offset in the stream of the deciding byte (len(stream) for outMore)
	why refusal
}

// feedStream runs data through a framer in pieces of the sizes next returns, up
// to the first decision, checking the bounds feed promises on the way.
func feedStream(t *testing.T, limit int, data []byte, next func() int) feedResult {
	t.Helper()
	f := framer{limit: limit}
	for off := 0; off < len(data); {
		n := min(max(next(), 1), len(data)-off)
		chunk := data[off : off+n]
		k, out := f.feed(chunk)
		if k < 0 || k > len(chunk) || f.start < 0 || f.start > k || (out == outRefuse && f.why == refuseNone) {
			t.Fatalf("feed(%q) = %d, %d with start %d, why %d", chunk, k, out, f.start, f.why)
		}
		if out != outMore {
			return feedResult{out, off + k, f.why}
		}
		if k != len(chunk) {
			t.Fatalf("feed(%q) = %d, more", chunk, k)
		}
		off += n
	}
	return feedResult{outMore, len(data), refuseNone}
}

// checkSplits feeds data whole, a byte at a time and in pieces of a size derived
// from split, and requires the same decision at the same byte each time.
func checkSplits(t *testing.T, limit int, data []byte, split int) feedResult {
	t.Helper()
	whole := feedStream(t, limit, data, func() int { return len(data) })
	bytewise := feedStream(t, limit, data, func() int { return 1 })
	step := split
	pieces := feedStream(t, limit, data, func() int { step = step*7 + 3; return step%13 + 1 })
	if bytewise != whole || pieces != whole {
		t.Fatalf("%q: whole %+v, byte-wise %+v, pieces %+v", data, whole, bytewise, pieces)
	}
	return whole
}

func TestFramer(t *testing.T) {
	const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name string
		in   string
		out  outcome
		why  refusal
	}{
		{"keep-alive stream", strings.Join(func() []string {
			var s []string
			for _, r := range keepAliveStream {
				s = append(s, r.raw)
			}
			return s
		}(), ""), outMore, refuseNone},
		{"gets", get + get + "\r\n\n" + get, outMore, refuseNone},
		{"CL and TE", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", outRefuse, refuseConflict},
		{"TE and CL in odd case", "POST / HTTP/1.1\r\ntRANSFER-eNCODING: chunked\r\nCONTENT-LENGTH: 5\r\n\r\n", outRefuse, refuseConflict},
		{"CL body hides a head", "POST / HTTP/1.1\r\nContent-Length: 30\r\n\r\nTransfer-Encoding: chunked\r\n\r\n" + get, outMore, refuseNone},
		{"chunked body hides a head", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1e\r\nTransfer-Encoding: chunked\r\n\r\n\r\n0\r\n\r\n" + get, outMore, refuseNone},
		{"trailer hides a head", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + get, outMore, refuseNone},
		{"TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", outRefuse, refuseTE10},
		{"TE identity", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", outRefuse, refuseTE},
		{"TE chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", outRefuse, refuseTE},
		{"TE tab before colon", "POST / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n", outRefuse, refuseNameSpace},
		{"obs-fold", "GET / HTTP/1.1\r\nX-A: b\r\n\tc\r\n\r\n", outRefuse, refuseObsFold},
		{"CL too big", "POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", outRefuse, refuseCL},
		{"CL empty", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", outRefuse, refuseCL},
		{"CL repeated equal", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx" + get, outMore, refuseNone},
		{"h2c preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", outPass, refuseNone},
		{"websocket frame", "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", outPass, refuseNone},
		{"bad chunk end", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy", outSever, refuseNone},
		{"17 hex digits", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\n", outSever, refuseNone},
		{"head over the limit", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 200) + "\r\n\r\n", outPass, refuseNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkSplits(t, 100+strings.Count(tt.name, "keep-alive")*1000, []byte(tt.in), 5)
			if got.out != tt.out || got.why != tt.why {
				t.Errorf("got %+v, want outcome %d why %d", got, tt.out, tt.why)
			}
		})
	}
}

// FuzzFramingListener feeds random streams through the framing state machine:
// it must never panic or stall, and must decide the same way at the same byte
// however the stream is split across reads.
func FuzzFramingListener(f *testing.F) {
	for _, r := range keepAliveStream {
		f.Add([]byte(r.raw), 3, uint16(200))
	}
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 1, uint16(100))
	f.Add([]byte("POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nA;x=\"y\"\r\n0123456789\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 2, uint16(50))
	f.Add([]byte("\r\n\r\nGET / HTTP/1.0\r\nX-A: b\r\n c\r\n\r\n"), 4, uint16(10))
	f.Add([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 5, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, split int, limit uint16) {
		if split < 0 {
			split = -split
		}
		checkSplits(t, int(limit)+1, data, split%1000)
	})
}
