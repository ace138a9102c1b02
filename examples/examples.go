// Package examples holds Bulwark's example configs. CI checks every one with
// `bulwark check`; `bulwark demo` runs demo.yaml.
package examples

import "embed"

// FS holds the example configs.
//
//go:embed *.yaml
var FS embed.FS
