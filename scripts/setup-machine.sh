#!/usr/bin/env bash
# Installs what a fresh machine lacks for streamlens' tests and local pipeline:
# - pnpm at the version pinned in package.json (a different global pnpm refuses to run);
# - a Java runtime for DynamoDB Local (AWS's own emulator, shipped as a jar inside an npm package);
# - the PostgreSQL 15 server, which the local Redshift stand-in runs on;
# - cfn-lint (PyPI), which `pnpm run package:check` runs over the packaged templates;
# - Chromium (Debian's), which the dashboard's browser tests drive through playwright-core;
# - Maven, which assembles the local OpenSearch node and the local Kafka broker from Maven
#   Central, then both (packages/local-aws/{opensearch,kafka}/assemble.sh; docs/local-opensearch.md,
#   docs/kafka.md).
# DynamoDB Local starts through a Java source-file launcher (it binds 127.0.0.1 only), and the
# OpenSearch node's launcher is compiled with javac: both need a JDK, not only a runtime.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing pnpm $want"
  npm install -g "pnpm@$want" >/dev/null
fi

apt_missing=()
java_bin=$(command -v java 2>/dev/null || true)
if [ -z "$java_bin" ] || [ ! -x "$(dirname "$(readlink -f "$java_bin")")/javac" ]; then
  apt_missing+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null 2>&1 || apt_missing+=(maven)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || apt_missing+=(postgresql-15)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${apt_missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  else
    echo "setup: missing ${apt_missing[*]}; install them (Debian: apt-get install ${apt_missing[*]})" >&2
  fi
fi

# Pinned: a newer cfn-lint brings new checks, which must arrive by a change of this line.
cfn_lint_version=1.51.0
if [ "$(cfn-lint --version 2>/dev/null)" != "cfn-lint $cfn_lint_version" ]; then
  echo "setup: installing cfn-lint $cfn_lint_version"
  if command -v pip3 >/dev/null 2>&1; then
    # Debian's own Python refuses user packages (PEP 668) unless told otherwise.
    pip3 install --quiet "cfn-lint==$cfn_lint_version" 2>/dev/null ||
      pip3 install --quiet --break-system-packages "cfn-lint==$cfn_lint_version" ||
      echo "setup: pip3 install cfn-lint failed; install it by hand" >&2
  elif command -v pipx >/dev/null 2>&1; then
    pipx install "cfn-lint==$cfn_lint_version" >/dev/null || echo "setup: pipx install cfn-lint failed" >&2
  else
    echo "setup: cfn-lint missing and no pip3; install it (pip install cfn-lint)" >&2
  fi
fi

# The local OpenSearch node and Kafka broker: nothing to do when they are assembled from the
# current inputs.
if command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
  bash packages/local-aws/opensearch/assemble.sh >/dev/null
  bash packages/local-aws/kafka/assemble.sh >/dev/null
else
  echo "setup: the OpenSearch node and the Kafka broker need Maven and a JDK 17 (Debian: apt-get install maven openjdk-17-jdk-headless)" >&2
fi
