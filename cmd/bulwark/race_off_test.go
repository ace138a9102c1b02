//go:build !race

package main

// raceBuild: without -race the bulwark binary is built without the race
// detector too (several times faster to build and to run).
const raceBuild = false
