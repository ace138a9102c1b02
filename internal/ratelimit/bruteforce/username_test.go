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

func TestCanonical(t *testing.T) {
	cases := []struct {
		name, in string
		n        Normalization
		want     string
		err      error
	}{
		{"plain", "alice", DefaultNormalization, "alice", nil},
		{"case", "ALICE", DefaultNormalization, "alice", nil},
		{"mixed case", "AlIcE", DefaultNormalization, "alice", nil},
		{"spaces", "  alice ", DefaultNormalization, "alice", nil},
		{"tab", "alice\t", DefaultNormalization, "", ErrInvalidUsername},
		{"ideographic space", "\u3000alice\u3000", DefaultNormalization, "alice", nil},
		{"full-width", "ａｌｉｃｅ", DefaultNormalization, "alice", nil},
		{"full-width upper", "ＡＬＩＣＥ", DefaultNormalization, "alice", nil},
		{"ligature", "ﬁona", DefaultNormalization, "fiona", nil},
		{"decomposed", "jose\u0301", DefaultNormalization, "jos\u00e9", nil},
		{"sharp s folds", "STRAẞE", DefaultNormalization, "strasse", nil},
		{"kelvin sign", "\u212Aate", DefaultNormalization, "kate", nil},
		{"email", "Alice@Example.COM", DefaultNormalization, "alice@example.com", nil},
		{"exact keeps case", "Alice", Normalization{}, "Alice", nil},
		{"exact keeps width", "ａｌｉｃｅ", Normalization{}, "ａｌｉｃｅ", nil},
		{"trim only", " Alice ", Normalization{Trim: true}, "Alice", nil},
		{"fold without nfkc", "ＡＬＩＣＥ", Normalization{CaseFold: true}, "ａｌｉｃｅ", nil},

		{"nul", "alice\x00", DefaultNormalization, "", ErrInvalidUsername},
		{"nul exact", "alice\x00", Normalization{}, "", ErrInvalidUsername},
		{"newline", "alice\n", DefaultNormalization, "", ErrInvalidUsername},
		{"del", "alice\x7f", DefaultNormalization, "", ErrInvalidUsername},
		{"c1", "alice\u0085", DefaultNormalization, "", ErrInvalidUsername},
		{"zero-width space", "ali\u200bce", DefaultNormalization, "", ErrInvalidUsername},
		{"zero-width joiner", "alice\u200d", DefaultNormalization, "", ErrInvalidUsername},
		{"bom", "\ufeffalice", DefaultNormalization, "", ErrInvalidUsername},
		{"bidi override", "\u202ealice", DefaultNormalization, "", ErrInvalidUsername},
		{"soft hyphen", "ali\u00adce", DefaultNormalization, "", ErrInvalidUsername},
		{"invalid utf-8", "alice\xff", DefaultNormalization, "", ErrInvalidUsername},
		{"replacement char", "alice\ufffd", DefaultNormalization, "", ErrInvalidUsername},
		{"blank once trimmed", "\u3000", DefaultNormalization, "", ErrNoUsername},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.n.Canonical(c.in)
			if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Errorf("Canonical(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
			}
		})
	}
}

func TestParseNormalization(t *testing.T) {
	n, err := ParseNormalization([]string{"trim", "casefold"})
	if err != nil || n != (Normalization{CaseFold: true, Trim: true}) {
		t.Errorf("trim, casefold = %+v, %v", n, err)
	}
	if n, err := ParseNormalization(nil); err != nil || n != (Normalization{}) {
		t.Errorf("none = %+v, %v; want exact", n, err)
	}
	if _, err := ParseNormalization([]string{"lower"}); err == nil {
		t.Error("unknown step accepted")
	}
}

func TestUsernameRuleRead(t *testing.T) {
	rule := UsernameRule{Field: "username", Normalize: DefaultNormalization}
	cases := []struct {
		name, ct, query, body string
		want                  string
		err                   error
	}{
		{"json", ctJSON, "", `{"username":"ALICE "}`, "alice", nil},
		{"json escaped full-width", ctJSON, "", `{"username":"\uff41lice"}`, "alice", nil},
		{"json escaped nul", ctJSON, "", `{"username":"alice\u0000"}`, "", ErrInvalidUsername},
		{"form nul", ctForm, "", "username=alice%00", "", ErrInvalidUsername},
		{"form invalid utf-8", ctForm, "", "username=alice%ff", "", ErrInvalidUsername},
		{"json invalid utf-8", ctJSON, "", "{\"username\":\"alice\xff\"}", "", ErrMalformed},
		{"other charset", ctForm + "; charset=iso-8859-1", "", "username=alice", "", ErrMalformed},
		{"utf-8 charset", ctForm + "; charset=UTF-8", "", "username=alice", "alice", nil},
		{"form php dotted name", ctForm, "", "username=alice&user.name=x", "alice", nil},
		{"query names the field", ctJSON, "username=bob", `{"username":"alice"}`, "", ErrMalformed},
		{"query other case", ctJSON, "a=1&UserName=bob", `{"username":"alice"}`, "", ErrMalformed},
		{"query encoded", ctJSON, "user%6eame=bob", `{"username":"alice"}`, "", ErrMalformed},
		{"query array", ctJSON, "username[]=bob", `{"username":"alice"}`, "", ErrMalformed},
		{"query semicolon", ctJSON, "x=1;username=bob", `{"username":"alice"}`, "", ErrMalformed},
		{"query other fields", ctJSON, "next=/home", `{"username":"alice"}`, "alice", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := rule.Read(c.ct, c.query, []byte(c.body))
			if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Errorf("Read = %q, %v; want %q, %v", got, err, c.want, c.err)
			}
		})
	}
	php := UsernameRule{Field: "user_name", Normalize: DefaultNormalization}
	if _, err := php.Read(ctForm, "", []byte("user_name=alice&user.name=bob")); !errors.Is(err, ErrMalformed) {
		t.Errorf("user.name beside user_name = %v; want refused (PHP reads both as user_name)", err)
	}
	if _, err := php.Read(ctForm, "user name=bob", []byte("user_name=alice")); !errors.Is(err, ErrMalformed) {
		t.Errorf("user name in the query = %v; want refused", err)
	}
}

// FuzzCanonical: a canonical username is non-empty, free of control and
// formatting characters, and its own canonical form (variants of variants
// land in one count).
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"alice", " ＡＬＩＣＥ ", "STRAẞE", "ﬁ", "\u212A", "a\u0301", "alice\x00", "ǅ", "ΐ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := DefaultNormalization.Canonical(in)
		if err != nil {
			return
		}
		if got == "" {
			t.Fatalf("Canonical(%q) is empty without error", in)
		}
		again, err := DefaultNormalization.Canonical(got)
		if err != nil || again != got {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q, %v", in, got, got, again, err)
		}
	})
}
