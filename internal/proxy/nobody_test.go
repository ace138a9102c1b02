package proxy

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// closeCount is a body that records being closed.
type closeCount struct {
	io.Reader
	closed int
}

func (c *closeCount) Close() error { c.closed++; return nil }

func TestCheckResponseDropsBodiesThatMayNotExist(t *testing.T) {
	tests := []struct {
		method string
		status int
		drop   bool
	}{
		{http.MethodGet, http.StatusNotModified, true},
		{http.MethodGet, http.StatusNoContent, true},
		{http.MethodHead, http.StatusOK, true},
		{http.MethodHead, http.StatusNotFound, true},
		{http.MethodGet, http.StatusOK, false},
		{http.MethodGet, http.StatusResetContent, false},       // Go forwards it: the exposure guard filters it
		{http.MethodGet, http.StatusSwitchingProtocols, false}, // the body is the upgraded connection
	}
	u := &Upstream{}
	for _, tt := range tests {
		t.Run(tt.method+" "+http.StatusText(tt.status), func(t *testing.T) {
			req, _ := http.NewRequestWithContext(context.Background(), tt.method, "http://up/x", nil)
			body := &closeCount{Reader: strings.NewReader("UPSTREAM BYTES")}
			resp := &http.Response{StatusCode: tt.status, Body: body, Request: req, Header: http.Header{}}
			if err := u.checkResponse(&RequestInfo{}, resp); err != nil {
				t.Fatal(err)
			}
			if dropped := resp.Body == http.NoBody; dropped != tt.drop || (body.closed == 1) != tt.drop {
				t.Fatalf("dropped %v (closed %d), want %v", dropped, body.closed, tt.drop)
			}
		})
	}
}
