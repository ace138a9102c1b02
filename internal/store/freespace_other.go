//go:build !(linux || darwin || freebsd)

package store

import "errors"

// freeBytes is not measured on this platform: the floor check is skipped.
func freeBytes(string) (int64, error) { return 0, errUnmeasured }

var errUnmeasured = errors.New("free space not measurable on this platform")
