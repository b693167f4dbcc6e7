#!/usr/bin/env bash
# One-command set-up for a fresh machine; idempotent and quick when nothing is missing.
#  1. npm ci when node_modules is missing or was installed from another package-lock.json
#  2. a WebGPU adapter for Node: on Debian/Ubuntu with root or sudo, Mesa's lavapipe Vulkan
#     driver (Debian 12: from bookworm-backports, since Dawn refuses Debian 12's Mesa 22)
#  3. Debian's chromium for the browser tests (never a downloaded browser build)
#  4. the AssemblyScript module, the esbuild bundles and the declarations, when their sources changed
# Elsewhere it prints exactly what to install and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js >= 20 is required, found $(node --version 2>/dev/null || echo none). Install it from https://nodejs.org or your package manager."
  exit 1
fi

# --- 1. npm dependencies -------------------------------------------------------------
stamp=node_modules/.hsi-lock
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi

# --- apt helpers ---------------------------------------------------------------------
SUDO=""
can_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; return 0; fi
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; return 0; fi
  return 1
}
. /etc/os-release 2>/dev/null || true
apt_updated=0
apt_install() {
  [ "$apt_updated" = 1 ] || { $SUDO apt-get update -q >/dev/null; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null
}
add_backports() {
  local f=/etc/apt/sources.list.d/hsi-bookworm-backports.sources
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
  say "adding the bookworm-backports apt source ($f)"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' | $SUDO tee "$f" >/dev/null
  apt_updated=0
}

# --- 2. WebGPU adapter for Node --------------------------------------------------------
if adapter=$(node scripts/probe-gpu.mjs 2>/dev/null); then
  say "WebGPU adapter: $adapter"
else
  if can_apt && [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
    add_backports
    say "installing Mesa lavapipe (mesa-vulkan-drivers from bookworm-backports)"
    apt_install -t bookworm-backports mesa-vulkan-drivers libvulkan1
  elif can_apt && { [ "${ID:-}" = debian ] || [ "${ID:-}" = ubuntu ] || [[ "${ID_LIKE:-}" == *debian* ]]; }; then
    say "installing Mesa lavapipe (mesa-vulkan-drivers)"
    apt_install mesa-vulkan-drivers libvulkan1
  else
    say "Node found no WebGPU adapter, and this script can only install one on Debian/Ubuntu as root or with sudo."
    say "Install a Vulkan driver yourself: a GPU vendor's driver, or Mesa >= 23 lavapipe (package mesa-vulkan-drivers;"
    say "Debian 12: from bookworm-backports), then rerun. 'vulkaninfo --summary' should list a device."
    exit 1
  fi
  if ! adapter=$(node scripts/probe-gpu.mjs); then
    say "still no WebGPU adapter after installing Mesa; check 'vulkaninfo --summary' (package vulkan-tools)."
    exit 1
  fi
  say "WebGPU adapter: $adapter"
fi

# --- 3. Chromium for the browser tests --------------------------------------------------
chromium_bin=${HSI_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  if can_apt && { [ "${ID:-}" = debian ] || [[ "${ID_LIKE:-}" == *debian* ]]; }; then
    say "installing Debian chromium (for the browser tests)"
    apt_install chromium
  else
    say "no Chromium at $chromium_bin: the browser tests need it. Install your distribution's chromium"
    say "package, or point HSI_CHROMIUM at a Chromium binary. (Browser builds are never downloaded.)"
    exit 1
  fi
fi

# --- 4. AssemblyScript module and bundles ------------------------------------------------
newer() { [ ! -e "$1" ] || [ -n "$(find "${@:2}" -newer "$1" -type f 2>/dev/null | head -n 1)" ]; }
if newer build/hsi.wasm assembly asconfig.json; then
  say "building the AssemblyScript module"
  npx --no-install asc --config asconfig.json --target release
fi
if [ ! -e dist/types/index.node.d.ts ] || newer dist/node/cli.js src shaders build/hsi.wasm package.json scripts/build.mjs scripts/build-types.mjs scripts/esbuild-config.mjs tsconfig.json tsconfig.types.json; then
  node scripts/build.mjs
fi
