// Package server runs a Bulwark process: it loads the config, opens the store,
// starts the audit pipeline, the gateway and the admin API on their own listeners,
// reloads the config on SIGHUP or when the file changes (a bad config is refused
// and the running one keeps serving), and drains in-flight requests on shutdown.
package server
