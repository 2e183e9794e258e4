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
# nginx-light, dnsmasq-base, opensmtpd, openssl: the real servers the health checkers are tested against
# (test/netns/checkers-real-servers.root.test.ts starts each in a test namespace); the services nginx and opensmtpd
# would start and enable are kept from starting while installing and disabled right after (dnsmasq-base has none).
APT_PACKAGES=(iproute2 keepalived tcpdump iputils-ping procps gcc libc6-dev linux-libc-dev man-db groff-base systemd
  qemu-system-x86 busybox-static kmod ipvsadm xz-utils prometheus nftables frr
  nginx-light dnsmasq-base opensmtpd openssl)
# Services of those packages that must not run (or start at boot) in the host's own namespace.
QUIET_SERVICES=(nginx opensmtpd)

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
  # A policy-rc.d that refuses keeps the packages' services from starting while they install (Debian's
  # invoke-rc.d and deb-systemd-invoke ask it); one already there (containers have one) is left alone.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt_status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || apt_status=$?
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$apt_status" != 0 ]; then exit "$apt_status"; fi
  for service in "${QUIET_SERVICES[@]}"; do
    [[ " ${missing[*]} " == *" $service"* ]] || continue
    if [ -d /run/systemd/system ]; then
      systemctl disable --now "$service.service" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$service" ]; then
      "/etc/init.d/$service" stop >/dev/null 2>&1 || true
      update-rc.d "$service" disable >/dev/null 2>&1 || true
    fi
  done
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
