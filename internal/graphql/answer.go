package graphql

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/codec"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// maxResponse bounds the upstream answer the error sanitizer buffers.
const maxResponse = 8 << 20

// Response returns the error sanitizer for the upstream's answer to x
// (SanitizeResponse, with the fields Admit left out). A JSON answer that is
// too large or not a GraphQL response object is refused with a 502 in
// GraphQL's error shape: its errors could not be checked. Other answers (an
// HTML error page) pass to the response guards after it.
func (g *Guard) Response(x *exchange.Exchange) func(*http.Response) error {
	return func(resp *http.Response) error {
		nulls, _ := x.Nulls.(*Nulls)
		if p := sanitize(resp, nulls); p != nil {
			return Shape(p)
		}
		return nil
	}
}

func sanitize(resp *http.Response, nulls *Nulls) *httperr.Problem {
	if !isJSON(resp.Header.Get("Content-Type")) {
		return nil
	}
	enc := resp.Header.Get("Content-Encoding")
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	resp.Body.Close()
	if err != nil {
		return httperr.New(http.StatusBadGateway, "upstream_unreachable", "").WithCause(err)
	}
	if len(raw) > maxResponse {
		return httperr.New(http.StatusBadGateway, "response_too_large", "The upstream's answer is too large to be checked.")
	}
	body, err := codec.Decode(bytes.NewReader(raw), enc, maxResponse)
	if err != nil {
		return unfilterable(err)
	}
	out, changed, err := SanitizeResponse(body, nulls)
	if err != nil {
		return unfilterable(err)
	}
	if !changed {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		return nil
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("ETag")
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

func unfilterable(cause error) *httperr.Problem {
	return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(cause)
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
