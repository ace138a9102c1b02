package httperr

import (
	"errors"
	"net"
	"net/http"
	"os"
)

// BodyTooLarge is the 413 "body_too_large" answer to a request body larger
// than its route allows. It closes the connection: the rest of the body is
// not read.
func BodyTooLarge() *Problem {
	return New(http.StatusRequestEntityTooLarge, "body_too_large",
		"The request body is larger than this route allows.").WithHeader("Connection", "close")
}

// BodyRead maps an error from reading a request body to the problem the
// client gets: 413 "body_too_large" past the size limit (an
// *http.MaxBytesError), 408 "body_timeout" past the read deadline, 400
// "body_unreadable" otherwise, with err as the cause. nil maps to nil. Each
// answer closes the connection, whose read position is no longer known.
//
// It is here, with the other problem shapes, so that every guard that reads a
// body answers its failures alike without importing the stage that set the
// limits (internal/hygiene).
func BodyRead(err error) *Problem {
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	var netErr net.Error
	var p *Problem
	switch {
	case errors.As(err, &tooBig):
		p = BodyTooLarge()
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		p = New(http.StatusRequestTimeout, "body_timeout",
			"The request body was not received in time.").WithHeader("Connection", "close")
	default:
		p = New(http.StatusBadRequest, "body_unreadable",
			"The request body could not be read.").WithHeader("Connection", "close")
	}
	return p.WithCause(err)
}
