package main

import "io"

// The in-process tests of the store commands run one command group through
// the same command tree as the binary.

func keysCommand(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"keys"}, args...), stdout, stderr)
}

func ownersCommand(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"owners"}, args...), stdout, stderr)
}

func clientsCommand(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"clients"}, args...), stdout, stderr)
}

func usersCommand(args []string, stdout, stderr io.Writer) int {
	return run(append([]string{"users"}, args...), stdout, stderr)
}
