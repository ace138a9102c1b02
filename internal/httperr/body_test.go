package httperr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestBodyRead(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"nil", nil, 0, ""},
		{"too large", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 5}), 413, "body_too_large"},
		{"deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), 408, "body_timeout"},
		{"net timeout", timeoutErr{}, 408, "body_timeout"},
		{"other", io.ErrUnexpectedEOF, 400, "body_unreadable"},
		{"plain", errors.New("boom"), 400, "body_unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := BodyRead(tt.err)
			if (p == nil) != (tt.code == "") || p != nil && (p.Code != tt.code || p.Status != tt.status || p.Header.Get("Connection") != "close") {
				t.Fatalf("problem = %+v", p)
			}
			if p != nil && !errors.Is(p, tt.err) {
				t.Fatalf("cause not kept")
			}
		})
	}
}
