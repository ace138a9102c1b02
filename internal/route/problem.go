package route

import (
	"errors"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Problem codes this package's refusals render with.
const (
	CodePathInvalid      = "path_invalid"
	CodeRouteNotFound    = "route_not_found"
	CodeMethodNotAllowed = "method_not_allowed"
)

// PathProblem turns a [Canonicalize] error into a 400 Problem (414 when too long,
// RFC 9110 §15.5.15) whose detail names the reason, never the input. Any other
// error becomes a 500 that hides it.
func PathProblem(err error) *httperr.Problem {
	var pe *PathError
	if !errors.As(err, &pe) {
		return httperr.New(http.StatusInternalServerError, "internal", "").WithCause(err)
	}
	status := http.StatusBadRequest
	if pe.Reason == ReasonTooLong {
		status = http.StatusRequestURITooLong
	}
	return httperr.New(status, CodePathInvalid, "The request path is not acceptable: "+pe.Reason+".").WithCause(err)
}

// ResultProblem returns the Problem for a [Table.Match] miss: 404 for [NotFound],
// 405 with an Allow header for [MethodNotAllowed]; nil for [Found].
func ResultProblem(res Result, allow []string) *httperr.Problem {
	switch res {
	case Found:
		return nil
	case MethodNotAllowed:
		return httperr.New(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "The method is not allowed for this path.").
			WithHeader("Allow", strings.Join(allow, ", "))
	}
	return httperr.New(http.StatusNotFound, CodeRouteNotFound, "No route matches the request.")
}
