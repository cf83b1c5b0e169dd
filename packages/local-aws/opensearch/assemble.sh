#!/usr/bin/env bash
# Assembles the local OpenSearch node (docs/local-opensearch.md) in home/ beside this script, from
# OpenSearch's published Maven artifacts at the versions pinned in pom.xml (one Maven run over the
# child projects lib/ and modules/<name>/):
#   home/lib/            the server jar and its dependencies
#   home/modules/<name>/ each module's jars (those lib/ lacks) and its plugin-descriptor.properties
#   home/config/         opensearch.yml, log4j2.properties
#   home/launcher/       LocalNode.class, compiled here
# Needs Maven and a JDK 17 (javac); Maven caches the downloads in ~/.m2. Does nothing when home/
# holds an assembly of the same inputs (their hash is in home/.assembled). Prints home/'s path.
# Run by scripts/setup-machine.sh (so `./dev test` fetches the node) and before every start.
set -euo pipefail
cd "$(dirname "$0")"
home=$(pwd)/home

hash=$(cat pom.xml lib/pom.xml modules/*/pom.xml modules/*/plugin-descriptor.properties \
  LocalNode.java config/* assemble.sh |
  sha256sum | cut -c1-16)
if [ -f "$home/.assembled" ] && [ "$(cat "$home/.assembled")" = "$hash" ]; then
  echo "$home"
  exit 0
fi
for tool in mvn javac; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "assemble.sh: $tool not found (Debian: apt-get install maven openjdk-17-jdk-headless)" >&2
    exit 1
  fi
done

echo "assemble.sh: assembling the OpenSearch node in $home (Maven)" >&2
tmp=$(mktemp -d "$(pwd)/.home-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mvn -q -B -f pom.xml dependency:copy-dependencies -Dassembly.dir="$tmp" >&2
for dir in modules/*/; do
  name=$(basename "$dir")
  # A module's folder holds only what the server's classpath lacks: a class on both would be
  # loaded twice (OpenSearch refuses that).
  for jar in "$tmp/modules/$name"/*.jar; do
    if [ -f "$tmp/lib/$(basename "$jar")" ]; then rm "$jar"; fi
  done
  cp "$dir/plugin-descriptor.properties" "$tmp/modules/$name/"
done
# analysis-common extends lang-painless, whose folder already holds the scripting SPI they share.
for jar in "$tmp/modules/analysis-common"/*.jar; do
  if [ -f "$tmp/modules/lang-painless/$(basename "$jar")" ]; then rm "$jar"; fi
done
mkdir -p "$tmp/config" "$tmp/launcher"
cp config/* "$tmp/config/"
javac -nowarn -d "$tmp/launcher" -cp "$tmp/lib/*" LocalNode.java
echo "$hash" >"$tmp/.assembled"
rm -rf "$home"
mv "$tmp" "$home"
trap - EXIT
echo "$home"
