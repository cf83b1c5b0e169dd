#!/usr/bin/env bash
# Installs what a fresh machine lacks for streamlens' tests and local pipeline:
# - pnpm at the version pinned in package.json (a different global pnpm refuses to run);
# - a Java runtime for DynamoDB Local (AWS's own emulator, shipped as a jar inside an npm package);
# - the PostgreSQL 15 server, which the local Redshift stand-in runs on.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing pnpm $want"
  npm install -g "pnpm@$want" >/dev/null
fi

apt_missing=()
command -v java >/dev/null 2>&1 || apt_missing+=(openjdk-17-jre-headless)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || apt_missing+=(postgresql-15)
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${apt_missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  else
    echo "setup: missing ${apt_missing[*]}; install them (Debian: apt-get install ${apt_missing[*]})" >&2
  fi
fi
