package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
)

// Load reads the config file at path, decodes it strictly, expands
// ${env:NAME} and ${file:PATH} references, applies defaults and validates
// everything. It returns every problem found; on any error the *Plan is nil.
// Warnings alone still yield a Plan.
func Load(path string) (*Plan, Diagnostics) {
	data, err := readLimited(path)
	if err != nil {
		return nil, Diagnostics{{File: path, Severity: Error, Message: err.Error()}}
	}
	read := []string{path}
	recordingRead := func(name string) ([]byte, error) {
		read = append(read, name)
		return os.ReadFile(name)
	}
	plan, diags := Parse(path, data, os.LookupEnv, recordingRead)
	if plan != nil {
		for _, api := range plan.APIs {
			if api.OpenAPI != "" {
				read = append(read, api.OpenAPI)
			}
		}
		slices.Sort(read[1:])
		plan.Files = slices.Compact(read)
	}
	return plan, diags
}

// readLimited reads at most MaxFileSize+1 bytes, enough to tell that a file
// is too large without reading all of it.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %w", pathErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %w", pathErr(err))
	}
	return data, nil
}

// Parse is Load for config bytes already in memory. filename names the file
// in diagnostics and its directory is the base for relative paths (sqlite
// store, TLS and CA files, audit file, ${file:PATH}). env looks up
// environment variables (os.LookupEnv) and readFile reads files
// (os.ReadFile); tests pass fakes.
func Parse(filename string, data []byte, env func(string) (string, bool), readFile func(string) ([]byte, error)) (*Plan, Diagnostics) {
	d := &decoder{
		file: filename,
		res:  resolver{env: env, readFile: readFile, dir: filepath.Dir(filename)},
		pos:  make(map[string]position),
		raw:  make(map[string]string),
		bad:  make(map[string]bool),
	}
	plan := d.run(data)
	diags := d.finish()
	if diags.HasErrors() {
		return nil, diags
	}
	return plan, diags
}

// run parses, decodes and builds; the Plan is only meaningful without errors.
func (d *decoder) run(data []byte) *Plan {
	root := d.parseDocument(data)
	if root == nil {
		return nil
	}
	var cfg fileConfig
	d.decode(root, "", reflect.ValueOf(&cfg).Elem())
	if d.bad[""] {
		return nil // not a mapping at all
	}
	return d.build(&cfg)
}
