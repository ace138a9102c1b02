#!/usr/bin/env bash
# Runs `bulwark check` on every config under examples/ and on every complete YAML
# config in docs/*.md (each ```yaml block, unless its first line is `# fragment`).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/bulwark" ./cmd/bulwark
export BULWARK_ADMIN_TOKEN="${BULWARK_ADMIN_TOKEN:-check-only-token-0123456789}"
# What the deploy/ configs reference (compose .env, the chart's Secret).
export BULWARK_CLUSTER_SECRET="${BULWARK_CLUSTER_SECRET:-check-only-cluster-secret-0123456789}"
export POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-check-only-password}"

mkdir -p "$tmp/docs"
for page in docs/*.md; do
  [ -e "$page" ] || continue
  awk -v out="$tmp/docs/$(basename "$page" .md)" '
    /^```yaml[[:space:]]*$/ { inblock=1; n++; file=sprintf("%s-%02d.yaml", out, n); first=1; next }
    /^```/ && inblock { inblock=0; close(file); next }
    inblock {
      if (first && $0 ~ /^# fragment/) { skip[file]=1 }
      first=0
      if (!(file in skip)) print > file
    }' "$page"
done
configs=()
for f in examples/*.yaml; do
  case "$f" in *.openapi.yaml) ;; *) configs+=("$f") ;; esac  # OpenAPI documents, not configs
done
for f in "$tmp"/docs/*.yaml; do [ -e "$f" ] && configs+=("$f"); done
configs+=(deploy/compose/bulwark.yaml)   # the Helm chart's default config is checked by deploy's tests
echo "checking ${#configs[@]} configs"
"$tmp/bulwark" check --strict=false "${configs[@]}"
