package corpustest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReaders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	txt := write("a.txt", "one\n\n' OR 1=1\r\n\xff\xfe\nlast")
	write("a.multiline.jsonl", "\"x\\ny\"\n\n  \n\"z\"\n")
	objs := write("o.jsonl", "{\"a\":1}\n \n{\"b\":\"c\"}\n")

	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"lines keep bytes", Lines(t, txt), []string{"one", "' OR 1=1\r", "\xff\xfe", "last"}},
		{"items add multiline", Items(t, txt), []string{"one", "' OR 1=1\r", "\xff\xfe", "last", "x\ny", "z"}},
		{"strings", Strings(t, filepath.Join(dir, "a.multiline.jsonl")), []string{"x\ny", "z"}},
		{"objects", Objects(t, objs), []map[string]any{{"a": 1.0}, {"b": "c"}}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestDirFromEnv(t *testing.T) {
	d := t.TempDir()
	t.Setenv("BULWARK_CORPORA", d)
	if got := Dir(t); got != d {
		t.Errorf("Dir = %q, want %q", got, d)
	}
}
