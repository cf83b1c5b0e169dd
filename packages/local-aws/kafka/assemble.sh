#!/usr/bin/env bash
# Assembles the local Kafka broker (docs/kafka.md) in home/ beside this script, from Apache
# Kafka's published Maven artifacts at the versions pinned in pom.xml:
#   home/lib/       kafka_2.13 (broker, KRaft controller, storage tool) and its dependencies
#   home/config/    log4j2.properties
#   home/launcher/  LocalBroker.class, compiled here
# Needs Maven and a JDK 17 (javac); Maven caches the downloads in ~/.m2. Does nothing when home/
# holds an assembly of the same inputs (their hash is in home/.assembled). Prints home/'s path.
# Run by scripts/setup-machine.sh (so a fresh clone's tests find the broker) and before every start.
set -euo pipefail
cd "$(dirname "$0")"
home=$(pwd)/home

hash=$(cat pom.xml LocalBroker.java config/* assemble.sh | sha256sum | cut -c1-16)
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

echo "assemble.sh: assembling the Kafka broker in $home (Maven)" >&2
tmp=$(mktemp -d "$(pwd)/.home-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mvn -q -B -f pom.xml dependency:copy-dependencies -Dassembly.dir="$tmp" >&2
mkdir -p "$tmp/config" "$tmp/launcher"
cp config/* "$tmp/config/"
javac -nowarn -d "$tmp/launcher" -cp "$tmp/lib/*" LocalBroker.java
echo "$hash" >"$tmp/.assembled"
rm -rf "$home"
mv "$tmp" "$home"
trap - EXIT
echo "$home"
