#!/usr/bin/env bash
# Installs the Debian packages wsync needs to build and test. Idempotent: packages already
# present are neither reinstalled nor upgraded, and nothing runs when all are there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format ccache clang-14 libclang-rt-14-dev
  libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev libsodium-dev
  libcpp-httplib-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15 openssl sqlite3 curl jq
  chromium chromium-driver zlib1g-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# Node.js and npm run the UI tests (tests/ui): Debian's packages unless some node and npm are
# already on PATH (another build of Node.js ships npm inside its nodejs package).
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}"
