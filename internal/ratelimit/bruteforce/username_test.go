package bruteforce

import (
	"errors"
	"strings"
	"testing"
)

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

func TestUsername(t *testing.T) {
	cases := []struct {
		name, ct, body string
		want           string
		err            error
	}{
		{"json", ctJSON, `{"username":"alice","password":"x"}`, "alice", nil},
		{"json charset", "application/json; charset=utf-8", `{"username":"alice"}`, "alice", nil},
		{"json vendor type", "application/vnd.api+json", `{"username":"alice"}`, "alice", nil},
		{"json other case key", ctJSON, `{"UserName":"alice"}`, "alice", nil},
		{"json escaped value", ctJSON, `{"username":"al\u0069ce"}`, "alice", nil},
		{"json nested others", ctJSON, `{"meta":{"username":"x"},"username":"alice"}`, "alice", nil},
		{"form", ctForm, "username=alice&password=x", "alice", nil},
		{"form encoded", ctForm, "username=al%69ce", "alice", nil},
		{"json missing", ctJSON, `{"user":"alice"}`, "", ErrNoUsername},
		{"json only nested", ctJSON, `{"user":{"username":"alice"}}`, "", ErrNoUsername},
		{"json empty", ctJSON, `{"username":"  "}`, "", ErrNoUsername},
		{"form missing", ctForm, "user=alice", "", ErrNoUsername},
		{"form empty", ctForm, "username=", "", ErrNoUsername},

		{"json duplicate", ctJSON, `{"username":"alice","username":"bob"}`, "", ErrMalformed},
		{"json duplicate other case", ctJSON, `{"username":"alice","USERNAME":"bob"}`, "", ErrMalformed},
		{"json duplicate escaped key", ctJSON, `{"username":"alice","user\u006eame":"bob"}`, "", ErrMalformed},
		{"json duplicate fold", ctJSON, `{"username":"alice","u\u017fername":"bob"}`, "", ErrMalformed},
		{"json array", ctJSON, `{"username":["alice","bob"]}`, "", ErrMalformed},
		{"json object", ctJSON, `{"username":{"name":"alice"}}`, "", ErrMalformed},
		{"json number", ctJSON, `{"username":42}`, "", ErrMalformed},
		{"json bool", ctJSON, `{"username":true}`, "", ErrMalformed},
		{"json null", ctJSON, `{"username":null}`, "", ErrMalformed},
		{"json top-level array", ctJSON, `[{"username":"alice"}]`, "", ErrMalformed},
		{"json trailing object", ctJSON, `{"username":"alice"}{"username":"bob"}`, "", ErrMalformed},
		{"json truncated", ctJSON, `{"username":"alice"`, "", ErrMalformed},
		{"json invalid", ctJSON, `{"username":}`, "", ErrMalformed},
		{"form repeated", ctForm, "username=alice&username=bob", "", ErrMalformed},
		{"form repeated other case", ctForm, "username=alice&Username=bob", "", ErrMalformed},
		{"form repeated encoded key", ctForm, "username=alice&user%6eame=bob", "", ErrMalformed},
		{"form array syntax", ctForm, "username[]=alice", "", ErrMalformed},
		{"form object syntax", ctForm, "username[name]=alice", "", ErrMalformed},
		{"form dotted syntax", ctForm, "username.name=alice", "", ErrMalformed},
		{"form bad escape", ctForm, "username=%zz", "", ErrMalformed},
		{"form semicolon", ctForm, "username=alice;username=bob", "", ErrMalformed},
		{"unsupported type", "text/plain", "username=alice", "", ErrMalformed},
		{"multipart", "multipart/form-data; boundary=x", "", "", ErrMalformed},
		{"bad content type", "", `{"username":"alice"}`, "", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Username(c.ct, []byte(c.body), "username")
			if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Errorf("Username = %q, %v; want %q, %v", got, err, c.want, c.err)
			}
		})
	}
}

// FuzzUsername: any input yields a non-blank username or an error of the
// two kinds, never a panic.
func FuzzUsername(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{ctJSON, `{"username":"alice"}`},
		{ctJSON, `{"username":"a","username":"b"}`},
		{ctJSON, `{"username":["a"]}`},
		{ctForm, "username=alice&password=x"},
		{ctForm, "username[]=a"},
		{"application/problem+json", `{"x":1}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		got, err := Username(ct, body, "username")
		switch {
		case err == nil && strings.TrimSpace(got) == "":
			t.Errorf("blank username %q without error", got)
		case err != nil && got != "":
			t.Errorf("username %q with error %v", got, err)
		case err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoUsername):
			t.Errorf("unexpected error kind: %v", err)
		}
	})
}
