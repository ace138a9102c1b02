package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// resolver expands ${env:NAME} and ${file:PATH} references inside string
// values. It runs on decoded scalars, after YAML parsing, so a value from the
// environment or a file is always a plain string and can never add YAML
// structure.
type resolver struct {
	env      func(string) (string, bool)
	readFile func(string) ([]byte, error)
	dir      string // directory of the config file; base of relative paths
}

// expansion is the result of expanding one string.
type expansion struct {
	value string
	refs  int      // how many references were expanded
	errs  []string // problems, one message each; value is unusable if any
}

// expand replaces every reference in s. "$${" stands for a literal "${".
func (r resolver) expand(s string) expansion {
	var out expansion
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			out.errs = append(out.errs, fmt.Sprintf("unterminated reference %q: missing }", s[i:]))
			break
		}
		body := s[i+2 : i+end]
		s = s[i+end+1:]
		v, err := r.lookup(body)
		if err != "" {
			out.errs = append(out.errs, err)
			continue
		}
		out.refs++
		b.WriteString(v)
	}
	out.value = b.String()
	return out
}

// lookup resolves one reference body ("env:NAME" or "file:PATH"). The
// returned message never contains the secret value.
func (r resolver) lookup(body string) (string, string) {
	kind, arg, ok := strings.Cut(body, ":")
	switch {
	case !ok:
		return "", fmt.Sprintf("malformed reference ${%s}: use ${env:NAME} or ${file:PATH}", body)
	case kind == "env":
		if !validEnvName(arg) {
			return "", fmt.Sprintf("malformed reference ${%s}: %q is not a valid environment variable name", body, arg)
		}
		v, set := r.env(arg)
		if !set {
			return "", fmt.Sprintf("environment variable %s is not set", arg)
		}
		return v, ""
	case kind == "file":
		return r.file(arg)
	}
	return "", fmt.Sprintf("unknown reference kind %q in ${%s}: use ${env:NAME} or ${file:PATH}", kind, body)
}

// file reads a ${file:PATH} reference, trimming one trailing newline.
func (r resolver) file(path string) (string, string) {
	if path == "" {
		return "", "malformed reference ${file:}: the path is empty"
	}
	data, err := r.readFile(r.abs(path))
	if err != nil {
		return "", fmt.Sprintf("cannot read ${file:%s}: %v", path, pathErr(err))
	}
	s := string(data)
	if strings.HasSuffix(s, "\r\n") {
		return s[:len(s)-2], ""
	}
	return strings.TrimSuffix(s, "\n"), ""
}

// abs resolves path against the config file's directory.
func (r resolver) abs(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(r.dir, path)
}

// validEnvName reports whether s is a portable environment variable name.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// pathErr drops the path from a *fs.PathError, which the caller already
// names in its message.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
