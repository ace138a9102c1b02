// Package config reads Bulwark's YAML configuration file and turns it into an
// immutable, validated Plan that the gateway is built from.
//
// It sits before everything else: cmd/bulwark loads a file with Load, prints
// the Diagnostics (check), and hands the Plan to server and gateway (serve,
// reload). Nothing downstream re-validates; a Plan exists only when the file
// had no errors.
//
// The threat it answers is misconfiguration: a typo that silently disables a
// guard, a size that decodes to zero, a secret pasted into a file that ends up
// in version control, or two routes that make request routing ambiguous. To
// that end decoding is strict (an unknown field, a wrong type or a duplicate
// key is an error), durations, sizes and rates refuse bad input instead of
// defaulting to zero, every problem is reported at once with file:line:col and
// the field path, and secrets are referenced as ${env:NAME} or ${file:PATH}
// and expanded only after YAML parsing, so a value from the environment can
// never inject YAML structure.
//
// Parsing guards against hostile input too: files over 4 MiB, invalid UTF-8,
// several documents, anchors and aliases (billion-laughs expansion) and custom
// tags are refused before any decoding happens.
package config
