package route

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestPathProblem(t *testing.T) {
	_, err := Canonicalize("/a%2Fsecret")
	p := PathProblem(err)
	if p.Status != http.StatusBadRequest || p.Code != CodePathInvalid || !errors.Is(p, ErrInvalidPath) {
		t.Fatalf("PathProblem = %+v", p)
	}
	if strings.Contains(p.Detail, "secret") || !strings.Contains(p.Detail, ReasonEncodedSlash) {
		t.Fatalf("detail %q", p.Detail)
	}
	if _, err := Canonicalize("/" + strings.Repeat("a", MaxPathLen)); PathProblem(err).Status != http.StatusRequestURITooLong {
		t.Fatal("too long is not 414")
	}
	if p := PathProblem(errors.New("boom")); p.Status != http.StatusInternalServerError || strings.Contains(p.Detail, "boom") {
		t.Fatalf("PathProblem(other) = %+v", p)
	}
}

func TestResultProblem(t *testing.T) {
	tests := []struct {
		name   string
		res    Result
		allow  []string
		status int
		header string
	}{
		{"found", Found, nil, 0, ""},
		{"not found", NotFound, nil, http.StatusNotFound, ""},
		{"405", MethodNotAllowed, []string{"GET", "HEAD"}, http.StatusMethodNotAllowed, "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ResultProblem(tc.res, tc.allow)
			if tc.status == 0 {
				if p != nil {
					t.Fatalf("want nil, got %+v", p)
				}
				return
			}
			if p.Status != tc.status || p.Header.Get("Allow") != tc.header {
				t.Fatalf("ResultProblem = %+v", p)
			}
		})
	}
}
