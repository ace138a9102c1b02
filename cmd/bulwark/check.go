package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/gateway"
)

// check validates config files and prints every diagnostic. Exit status: 0 clean
// or warnings only, 1 errors, 2 usage.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files []string
	fs.Func("c", "config file (repeatable; further files may follow the flags)", func(s string) error {
		files = append(files, s)
		return nil
	})
	strict := fs.Bool("strict", false, "treat warnings as errors")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files = append(files, fs.Args()...)
	if len(files) == 0 {
		fmt.Fprintln(stderr, "bulwark check: name a config file with -c FILE")
		return 2
	}
	status := 0
	for _, f := range files {
		plan, diags := config.Load(f)
		for _, d := range diags {
			fmt.Fprintln(stdout, d.String())
		}
		errs, warns := len(diags.Errors()), len(diags.Warnings())
		if errs == 0 && plan != nil {
			// What only building finds (routes missing from the OpenAPI
			// document, CRS rule ids, policies): check refuses exactly
			// what serve would.
			for _, e := range gateway.Verify(plan) {
				fmt.Fprintf(stdout, "%s:%d: error: %v\n", f, e.Line, e)
				errs++
			}
		}
		switch {
		case errs > 0 || (*strict && warns > 0):
			fmt.Fprintf(stdout, "%s: %d error(s), %d warning(s)\n", f, errs, warns)
			status = 1
		default:
			fmt.Fprintf(stdout, "%s: ok (%d warning(s))\n", f, warns)
		}
	}
	return status
}
