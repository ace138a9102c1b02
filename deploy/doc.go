// Package deploy holds Bulwark's packaging: the Dockerfile's companions, a
// compose file with two nodes on PostgreSQL and Redis, a Helm chart and a
// systemd unit. Its tests parse every file and render the chart (no Docker
// engine or helm binary is needed), so a broken manifest fails CI.
package deploy
