package config

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a Diagnostic stops the config from loading.
type Severity int

const (
	// Error makes the config unusable: Load and Parse return no Plan.
	Error Severity = iota
	// Warning points at something risky that still loads (a literal secret,
	// an admin listener reachable from the network).
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a config file. Line and Col are 1-based
// and point at the offending YAML node; both are 0 for problems with the file
// as a whole (too large, not UTF-8). Path is the field path such as
// apis[0].routes[3].match, empty when the problem is not about one field.
type Diagnostic struct {
	File     string
	Line     int
	Col      int
	Path     string
	Severity Severity
	Message  string
}

// String formats the diagnostic as "file:line:col: path: severity: message",
// leaving out the parts that are unknown.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
		if d.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Col)
		}
	}
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is the list of problems found in a config, sorted by file,
// line and column.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an Error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the diagnostics of severity Error.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(Error) }

// Warnings returns the diagnostics of severity Warning.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(Warning) }

// String joins the diagnostics, one per line.
func (ds Diagnostics) String() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// sortDiagnostics orders by file, line, column, keeping the order in which
// problems were found for the same position.
func sortDiagnostics(ds Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
