package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// upgrade completes a protocol switch (101): the target must switch to the
// protocol the client asked for; then the client connection is taken over,
// the 101 is relayed and bytes are copied both ways until either side ends.
// Cancelling the request closes the target's connection.
func (ex *exchange) upgrade(resp *http.Response, reqType string) {
	u, info, w := ex.u, ex.info, ex.w
	resType := upgradeType(resp.Header)
	switch {
	case !printableASCII(resType):
		resp.Body.Close()
		u.handleError(w, ex.ctx, info, errors.New("backend tried to switch to an invalid protocol")) // its bytes stay out of the log
		return
	case !strings.EqualFold(reqType, resType):
		resp.Body.Close()
		u.handleError(w, ex.ctx, info, fmt.Errorf("backend tried to switch protocol %q when %q was requested", resType, reqType))
		return
	}
	backend, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		u.handleError(w, ex.ctx, info, errors.New("101 switching protocols response with non-writable body"))
		return
	}
	client, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		backend.Close()
		u.handleError(w, ex.ctx, info, fmt.Errorf("hijack on protocol switch: %w", err))
		return
	}
	defer client.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ex.ctx.Done():
		case <-stop:
		}
		backend.Close()
	}()

	copyHeader(w.Header(), resp.Header)
	resp.Header = w.Header()
	resp.Body = nil // Write sends the status line and headers only
	if err := resp.Write(brw); err != nil {
		u.handleError(w, ex.ctx, info, fmt.Errorf("response write: %w", err))
		return
	}
	if err := brw.Flush(); err != nil {
		u.handleError(w, ex.ctx, info, fmt.Errorf("response flush: %w", err))
		return
	}
	errc := make(chan error, 2)
	go pipe(backend, brw, errc) // brw: bytes the client sent after its request are not lost
	go pipe(client, backend, errc)
	if err := <-errc; err == nil {
		<-errc // one direction ended and was half-closed: wait for the other
	}
}

// errPipeDone ends a switched connection whose finished direction could not
// be half-closed.
var errPipeDone = errors.New("switched connection copy complete")

// pipe copies src to dst and then half-closes dst, so the other side sees
// the end of this direction. It reports nil only after a half-close; a
// failure, or a dst that cannot half-close, ends the whole exchange.
func pipe(dst io.Writer, src io.Reader, errc chan<- error) {
	if _, err := io.Copy(dst, src); err != nil {
		errc <- err
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		errc <- cw.CloseWrite()
		return
	}
	errc <- errPipeDone
}
