#!/usr/bin/env bash
# Installs what vipd's build, lab and tests need on a Debian machine that has only Node and npm:
# the Debian packages (the real keepalived as a peer, tcpdump, iproute2, a C compiler for the struct-layout
# checks; qemu, busybox, kmod and ipvsadm for the IPVS tests in a VM), the npm packages and the VM image
# (scripts/vm-image.sh). Quick when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

# man-db, groff-base and systemd: the package test renders the man pages and verifies the unit.
# qemu-system-x86, busybox-static, kmod, ipvsadm, xz-utils: the VM that runs the IPVS tests (scripts/vm-image.sh).
# prometheus: its promtool validates the /metrics output.
# nftables: `nft list` shows the tests what the no-accept table (set up over netlink, never by nft) holds.
# frr: its zebra + vrrpd are the strict RFC peer of the VMAC interop tests (test/netns/frr.ts), one pair per test
# namespace; the service the package enables is disabled again right after installing it.
APT_PACKAGES=(iproute2 keepalived tcpdump iputils-ping procps gcc libc6-dev linux-libc-dev man-db groff-base systemd
  qemu-system-x86 busybox-static kmod ipvsadm xz-utils prometheus nftables frr)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: installing ${missing[*]} needs root (run with sudo)" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Installing frr starts and enables its service where systemd runs; the tests start their own daemons in their
  # namespaces and need none in the host's.
  if [[ " ${missing[*]} " == *" frr "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now frr.service >/dev/null 2>&1 || true
  fi
fi

if [ ! -x node_modules/.bin/bun ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$(id -u)" = 0 ]; then
  bash scripts/vm-image.sh
else
  echo "install-deps: the VM image (scripts/vm-image.sh) needs root; the IPVS tests fail without it" >&2
fi
