package bruteforce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// FuzzUsernameJSON: the jsonread reader refuses and accepts what the
// encoding/json reader it replaced did, with the same username, whether it
// reads the body itself or asks an index already built (the exchange's).
func FuzzUsernameJSON(f *testing.F) {
	for _, s := range []string{
		`{"username":"alice"}`, `{"username":"a","username":"b"}`, `{"USERNAME":"a","username":"b"}`,
		`{"username":["a"]}`, `{"username":1}`, `{"user\u006eame":"a"}`, `{"username":"\ud800"}`,
		`{"x":{"username":"a"}}`, `{"username":"a"} x`, `["username"]`, `{"username":"a",}`, ` {"a":[1,{"b":null}],"username":"\u00e9"} `,
		`{"username":"a"`, `"alice"`, ``, `{"username":"\u0000"}`, `{"ſername":"a"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, wantErr := refJSONUsername(body, "username")
		for _, index := range []func() (*jsonread.Index, error){nil, func() (*jsonread.Index, error) {
			return jsonread.Parse(body, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
		}} {
			got, err := jsonUsername(body, index, "username")
			if got != want || errClass(err) != errClass(wantErr) {
				t.Fatalf("%q: got %q, %v; encoding/json read %q, %v", body, got, err, want, wantErr)
			}
		}
	})
}

func errClass(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNoUsername):
		return "no username"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	}
	return err.Error()
}

// refJSONUsername is the reader Username used before jsonread, on
// encoding/json's tokenizer: the reference FuzzUsernameJSON compares with.
func refJSONUsername(body []byte, field string) (string, error) {
	if !utf8.Valid(body) { // decoders replace or refuse invalid bytes differently
		return "", fmt.Errorf("%w: body is not UTF-8", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", fmt.Errorf("%w: want a JSON object", ErrMalformed)
	}
	var name string
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		key, _ := tok.(string)
		if !strings.EqualFold(key, field) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", fmt.Errorf("%w: %w", ErrMalformed, err)
			}
			continue
		}
		if seen {
			return "", fmt.Errorf("%w: field %q appears twice", ErrMalformed, field)
		}
		seen = true
		if name, err = refJSONString(dec, field); err != nil {
			return "", err
		}
	}
	if err := refJSONEnd(dec); err != nil {
		return "", err
	}
	if !seen {
		return "", ErrNoUsername
	}
	return name, nil
}

func refJSONString(dec *json.Decoder, field string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: field %q is not a string", ErrMalformed, field)
	}
	return s, nil
}

func refJSONEnd(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return fmt.Errorf("%w: unterminated object", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the object", ErrMalformed)
	}
	return nil
}
