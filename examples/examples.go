// Package examples holds Bulwark's example configs. CI checks every one with
// `bulwark check`; `bulwark demo` runs demo.yaml.
package examples

import "embed"

// FS holds the example configs and the documents they attach.
//
//go:embed *.yaml *.graphql
var FS embed.FS
