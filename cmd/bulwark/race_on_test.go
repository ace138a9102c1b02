//go:build race

package main

// raceBuild: the test binary runs under the race detector, so the bulwark
// binary the end-to-end tests start is built with it too.
const raceBuild = true
