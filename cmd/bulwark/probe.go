package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// probe asks a health endpoint and exits 0 on a 2xx answer: the health check of
// images without a shell or curl (the distroless image, the compose file).
func newProbeCmd() *cobra.Command {
	c := &cobra.Command{Use: "probe URL", Short: "exit 0 if URL answers 2xx (container health checks)",
		Example: "  bulwark probe --timeout 2s http://127.0.0.1:9091/readyz", Args: exactArgs(1)}
	timeout := c.Flags().Duration("timeout", 2*time.Second, "give up after this long")
	c.RunE = action(func(c *cobra.Command, args []string) int {
		return probe(args[0], *timeout, c.OutOrStdout(), c.ErrOrStderr())
	})
	return c
}

func probe(url string, timeout time.Duration, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark probe:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "bulwark probe:", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintln(stdout, resp.Status)
	if resp.StatusCode/100 != 2 {
		return 1
	}
	return 0
}
