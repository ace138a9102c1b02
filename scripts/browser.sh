#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing: the browser tests (the OAuth
# login, consent and connected-apps flow; the admin console) drive it headless
# through chromedp. Without it they skip with a message. Idempotent.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: chromium is not installed and cannot be installed here; browser tests will skip" >&2
  exit 0
fi
echo "installing chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null \
  || echo "warning: installing chromium failed; browser tests will skip" >&2
