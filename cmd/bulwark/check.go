package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/server"
	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	c := &cobra.Command{Use: "check [-c FILE]... [FILE]...", Short: "check config files: every problem with file:line:col",
		Long: `Check config files: builds what serve would build and prints every error and
warning as file:line:col: path: severity: message. Files come from -c (repeatable)
and the arguments; with neither, the default config. Exit status 1 on errors.`,
		Args: cobra.ArbitraryArgs}
	files := c.Flags().StringArrayP("config", "c", nil, configUsage+" (repeatable)")
	strict := c.Flags().Bool("strict", false, "treat warnings as errors")
	format := c.Flags().String("format", "text", "output: text (file:line:col: path: severity: message), json (one report), or sarif (SARIF 2.1.0, for code-scanning tools)")
	c.RunE = action(func(c *cobra.Command, args []string) int {
		all := append(*files, args...)
		if len(all) == 0 {
			all = []string{defaultConfig()}
		}
		return check(all, *strict, *format, c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

// check validates config files and prints every diagnostic. Exit status: 0 clean
// or warnings only, 1 errors, 2 usage.
func check(files []string, strict bool, format string, stdout, stderr io.Writer) int {
	if format != "text" && format != "json" && format != "sarif" {
		fmt.Fprintf(stderr, "bulwark check: --format %q: expected text, json or sarif\n", format)
		return 2
	}
	status := 0
	var reports []fileReport
	for _, f := range files {
		r := checkFile(f, strict)
		if !r.OK {
			status = 1
		}
		reports = append(reports, r)
		if format == "text" {
			for _, d := range r.diags {
				fmt.Fprintln(stdout, d.String())
			}
			if r.OK {
				fmt.Fprintf(stdout, "%s: ok (%d warning(s))\n", f, r.Warnings)
			} else {
				fmt.Fprintf(stdout, "%s: %d error(s), %d warning(s)\n", f, r.Errors, r.Warnings)
			}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch format {
	case "json":
		_ = enc.Encode(reports)
	case "sarif":
		_ = enc.Encode(sarifLog(reports))
	}
	return status
}

// fileReport is one file's result in -format json.
type fileReport struct {
	File        string           `json:"file"`
	OK          bool             `json:"ok"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Diagnostics []diagnosticJSON `json:"diagnostics"`
	diags       config.Diagnostics
}

type diagnosticJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Path     string `json:"path,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// checkFile loads f and builds its guards as serve would (gateway.Verify):
// check refuses exactly what serve refuses.
func checkFile(f string, strict bool) fileReport {
	plan, diags := config.Load(f)
	diags = server.Verified(plan, diags)
	r := fileReport{File: f, Errors: len(diags.Errors()), Warnings: len(diags.Warnings()), Diagnostics: []diagnosticJSON{}, diags: diags}
	r.OK = r.Errors == 0 && !(strict && r.Warnings > 0)
	for _, d := range diags {
		r.Diagnostics = append(r.Diagnostics, diagnosticJSON{File: d.File, Line: d.Line, Column: d.Col, Path: d.Path,
			Severity: d.Severity.String(), Message: d.Message})
	}
	return r
}

// sarifLog renders the reports as SARIF 2.1.0 (what GitHub code scanning and
// other tools read): one run, one result per diagnostic at its file:line:col.
func sarifLog(reports []fileReport) map[string]any {
	results := []map[string]any{}
	for _, r := range reports {
		for _, d := range r.Diagnostics {
			region := map[string]any{}
			if d.Line > 0 {
				region["startLine"] = d.Line
			}
			if d.Column > 0 {
				region["startColumn"] = d.Column
			}
			loc := map[string]any{"artifactLocation": map[string]any{"uri": d.File}}
			if len(region) > 0 {
				loc["region"] = region
			}
			msg := d.Message
			if d.Path != "" {
				msg = d.Path + ": " + msg
			}
			level := "error"
			if d.Severity == config.Warning.String() {
				level = "warning"
			}
			results = append(results, map[string]any{
				"ruleId":    "bulwark-config",
				"level":     level,
				"message":   map[string]any{"text": msg},
				"locations": []map[string]any{{"physicalLocation": loc}},
			})
		}
	}
	return map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []map[string]any{{
			"tool": map[string]any{"driver": map[string]any{
				"name": "bulwark check", "informationUri": "https://github.com/bulwark-gw/bulwark",
				"rules": []map[string]any{{"id": "bulwark-config", "shortDescription": map[string]any{"text": "Bulwark configuration problem"}}},
			}},
			"results": results,
		}},
	}
}
