package proxy

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestRequestInfoBefore(t *testing.T) {
	boom := errors.New("boom")
	guard := func(name string, err error) func(*http.Response) error {
		return func(resp *http.Response) error {
			resp.Header.Add("Ran", name)
			return err
		}
	}
	for _, tc := range []struct {
		name   string
		set    []func(*http.Response) error // Response, then each added by Before
		ran    string                       // the guards that ran, in order
		err    error
		hasNil bool // Response stays nil
	}{
		{name: "none", set: []func(*http.Response) error{nil}, hasNil: true},
		{name: "nil added to nothing", set: []func(*http.Response) error{nil, nil}, hasNil: true},
		{name: "one added to nothing", set: []func(*http.Response) error{nil, guard("a", nil)}, ran: "a"},
		{name: "nil added to one", set: []func(*http.Response) error{guard("a", nil), nil}, ran: "a"},
		{name: "the last added runs first", set: []func(*http.Response) error{guard("exposure", nil), guard("authz", nil), guard("graphql", nil), guard("cors", nil)},
			ran: "cors,graphql,authz,exposure"},
		{name: "an error stops the rest", set: []func(*http.Response) error{guard("exposure", nil), guard("authz", boom), guard("cors", nil)},
			ran: "cors,authz", err: boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ri := &RequestInfo{Response: tc.set[0]}
			for _, f := range tc.set[1:] {
				ri.Before(f)
			}
			if (ri.Response == nil) != tc.hasNil {
				t.Fatalf("Response nil: %v", ri.Response == nil)
			}
			if ri.Response == nil {
				return
			}
			resp := &http.Response{Header: http.Header{}}
			if err := ri.Response(resp); !errors.Is(err, tc.err) {
				t.Errorf("err %v, want %v", err, tc.err)
			}
			if got := strings.Join(resp.Header.Values("Ran"), ","); got != tc.ran {
				t.Errorf("ran %q, want %q", got, tc.ran)
			}
		})
	}
}
