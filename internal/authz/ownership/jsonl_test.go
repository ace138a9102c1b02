package ownership

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
)

func TestParseJSONL(t *testing.T) {
	long := strings.Repeat("x", MaxLineLen)
	cases := []struct {
		name     string
		in       string
		max      int
		want     []store.OwnershipRecord
		badLines []int  // lines an *ImportError names
		wantErr  string // another error
	}{
		{name: "empty", in: "", want: nil},
		{name: "records and blank lines", in: "{\"object\":\"order\",\"id\":\"1001\",\"owner\":\"1\"}\n\n  \r\n" +
			`{"owner":"2","id":"é 1","object":"invoice"}` + "\n",
			want: []store.OwnershipRecord{{ObjectType: "order", ObjectID: "1001", Owner: "1"},
				{ObjectType: "invoice", ObjectID: "é 1", Owner: "2"}}},
		{name: "no final newline", in: `{"object":"o","id":"1","owner":"u"}`,
			want: []store.OwnershipRecord{{ObjectType: "o", ObjectID: "1", Owner: "u"}}},
		{name: "every bad line is named", in: `{"object":"o","id":"1","owner":"u"}` + "\n" +
			`{"object":"o","id":2,"owner":"u"}` + "\n" + // number id
			`{"object":"o","id":"3"}` + "\n" + // no owner
			`{"object":"o","id":"4","owner":"u","extra":1}` + "\n" +
			`not json` + "\n" +
			`{"object":"o","id":"1","owner":"v"}` + "\n" + // duplicate of line 1
			`{"object":"o","id":"6","owner":""}` + "\n" +
			`{"object":"o","id":"7","owner":"u"} {"object":"o","id":"8","owner":"u"}` + "\n" +
			"{\"object\":\"o\",\"id\":\"9\xff\",\"owner\":\"u\"}\n" +
			`{"object":"o","id":"10\u0000","owner":"u"}` + "\n" +
			`["o","11","u"]` + "\n" +
			`{"object":null,"id":"12","owner":"u"}` + "\n",
			badLines: []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{name: "line too long", in: `{"object":"o","id":"1","owner":"u"}` + "\n" + long + "\n", badLines: []int{2}},
		{name: "too many records", in: "{\"object\":\"o\",\"id\":\"1\",\"owner\":\"u\"}\n{\"object\":\"o\",\"id\":\"2\",\"owner\":\"u\"}\n",
			max: 1, wantErr: "more than 1;"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseJSONL(strings.NewReader(c.in), c.max)
			var ie *ImportError
			switch {
			case c.badLines != nil:
				if !errors.As(err, &ie) || got != nil {
					t.Fatalf("got %v, %v; want an ImportError and no records", got, err)
				}
				var lines []int
				for _, l := range ie.Lines {
					lines = append(lines, l.Line)
				}
				if !reflect.DeepEqual(lines, c.badLines) || ie.Bad != len(c.badLines) {
					t.Errorf("bad lines %v (%d), want %v\n%v", lines, ie.Bad, c.badLines, err)
				}
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			case !reflect.DeepEqual(got, c.want):
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestImportErrorIsBounded(t *testing.T) {
	in := strings.Repeat("bad\n", 100)
	_, err := ParseJSONL(strings.NewReader(in), 0)
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Bad != 100 || len(ie.Lines) != maxLineErrors {
		t.Fatalf("err = %v; want 100 bad lines, %d listed", err, maxLineErrors)
	}
	if msg := err.Error(); !strings.Contains(msg, "line 20:") || strings.Contains(msg, "line 21:") || !strings.Contains(msg, "80 more") {
		t.Errorf("message:\n%s", msg)
	}
}

// FuzzParseJSONL: any input yields records that validate, or an error; never a panic.
func FuzzParseJSONL(f *testing.F) {
	for _, s := range []string{
		`{"object":"order","id":"1001","owner":"1"}`,
		"{\"object\":\"o\",\"id\":\"1\",\"owner\":\"u\"}\n{\"object\":\"o\",\"id\":\"1\",\"owner\":\"v\"}",
		`{"object":"o","id":"\ud800","owner":"u"}`,
		"{\"object\":\"o\",\"id\":\"\xff\",\"owner\":\"u\"}",
		`{"object":"o","id":"1","owner":"u"}]`,
		"\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := ParseJSONL(strings.NewReader(in), 0)
		if err != nil && recs != nil {
			t.Fatalf("records and an error: %v", err)
		}
		seen := map[objectKey]bool{}
		for _, r := range recs {
			if err := r.Validate(); err != nil {
				t.Fatalf("invalid record %+v: %v", r, err)
			}
			k := objectKey{r.ObjectType, r.ObjectID}
			if seen[k] {
				t.Fatalf("duplicate %+v", k)
			}
			seen[k] = true
		}
	})
}
