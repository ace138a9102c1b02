package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// upstreamHeader marks answers that came from the echo upstream, so a
// refusal by the gateway is never confused with an upstream status.
const upstreamHeader = "X-Bench-Upstream"

// Outcome is what one request got.
type Outcome struct {
	Status   int    // HTTP status; 0 on a transport error
	Upstream bool   // the answer came from the echo upstream
	Code     string // the problem "code" of a gateway refusal, "" when none
	Err      string // transport error
}

// Refused reports whether the gateway refused the request.
func (o Outcome) Refused() bool { return o.Err == "" && o.Status >= 400 && !o.Upstream }

// conn is one keep-alive connection that writes requests byte for byte: the
// request line and headers exactly as built, so URL-encoded payloads reach
// the gateway verbatim (net/http's client would normalise some of them).
type conn struct {
	addr    string
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
	buf     bytes.Buffer
}

func newConn(addr string, timeout time.Duration) *conn {
	return &conn{addr: addr, timeout: timeout}
}

func (c *conn) close() {
	if c.c != nil {
		_ = c.c.Close()
		c.c = nil
	}
}

// do sends r to host. A connection the server closed while idle is retried
// once on a fresh one, as net/http does; any other failure is returned.
func (c *conn) do(r *Request, host string) Outcome {
	r.write(&c.buf, host)
	for attempt := 0; ; attempt++ {
		fresh := c.c == nil
		o, err := c.roundTrip()
		if err == nil {
			return o
		}
		c.close()
		if fresh || attempt > 0 || !errors.Is(err, errStale) {
			return Outcome{Err: err.Error()}
		}
	}
}

// errStale is a connection that closed before any byte of the answer.
var errStale = errors.New("connection closed before the response")

func (c *conn) roundTrip() (Outcome, error) {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return Outcome{}, err
		}
		c.c, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	if err := c.c.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return Outcome{}, err
	}
	if _, err := c.c.Write(c.buf.Bytes()); err != nil {
		return Outcome{}, fmt.Errorf("%w: %v", errStale, err)
	}
	if _, err := c.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || isReset(err) {
			return Outcome{}, fmt.Errorf("%w: %v", errStale, err)
		}
		return Outcome{}, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return Outcome{}, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if err != nil {
		return Outcome{}, err
	}
	if resp.Close {
		c.close()
	}
	return classify(resp.StatusCode, resp.Header, body), nil
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// classify reads an answer: whether the upstream produced it and, for a
// gateway refusal, the stable code of its RFC 9457 problem body.
func classify(status int, h http.Header, body []byte) Outcome {
	o := Outcome{Status: status, Upstream: h.Get(upstreamHeader) != ""}
	if status >= 400 && !o.Upstream {
		var p struct{ Code string }
		if json.Unmarshal(body, &p) == nil {
			o.Code = p.Code
		}
	}
	return o
}
