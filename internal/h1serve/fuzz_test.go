package h1serve

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzDifferential sends the same bytes to http.Server and to h1serve and
// compares the status class of every answer and how many requests reached
// the handler. The client half-closes after its bytes, so both servers see
// the end of the input.
func FuzzDifferential(f *testing.F) {
	for _, tc := range diffCases {
		if !strings.Contains(tc.name, "huge") && !strings.Contains(tc.name, "large") {
			f.Add([]byte(tc.raw))
		}
	}
	p := startPair(f, 4096)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 16<<10 {
			return
		}
		nStd, nOwn := len(p.stdRec.list()), len(p.ownRec.list())
		std := classes(t, p.std, raw)
		own := classes(t, p.own, raw)
		ranStd, ranOwn := len(p.stdRec.list())-nStd, len(p.ownRec.list())-nOwn
		if intendedHostDifference(std) || intendedHostDifference(own) {
			return // Server's documentation: empty and absolute-form Host
		}
		if strings.Join(std, " ") != strings.Join(own, " ") || ranStd != ranOwn {
			t.Errorf("input %q\nnet/http: answers %v, handler ran %d times\nh1serve:  answers %v, handler ran %d times",
				raw, std, ranStd, own, ranOwn)
		}
	})
}

// classes sends raw, half-closes, and returns the status class of each
// answer read until the connection ends ("1xx" … "5xx"; a final "x" when what
// followed was not an answer).
func classes(t *testing.T, addr string, raw []byte) []string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(safety)) // generous: 3 s could pass on a loaded CI machine
	go func() {
		c.Write(raw)
		c.(*net.TCPConn).CloseWrite()
	}()
	br := bufio.NewReader(c)
	var out []string
	for {
		if _, err := br.Peek(1); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%s: the connection was neither answered nor closed", addr)
			}
			return out
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return append(out, "x")
		}
		class := resp.Status[:1] + "xx"
		if strings.Contains(resp.Status, "Host header") {
			class += " host"
		}
		out = append(out, class)
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return out
		}
		resp.Body.Close()
	}
}

func intendedHostDifference(classes []string) bool {
	for _, c := range classes {
		if strings.HasSuffix(c, " host") {
			return true
		}
	}
	return false
}
