#!/usr/bin/env bash
# Builds what test/vm/ boots: a stock Debian kernel (downloaded with apt-get, extracted with dpkg-deb, no initramfs
# hooks), decompressed once to an ELF vmlinux (qemu boots it through the PVH entry: no decompression under
# emulation, ≈ 3.5 s less per boot), its modules indexed with depmod, and a busybox initramfs holding the guest's
# init and the modules it needs to mount the host's root over 9p. Idempotent: quick when the cache is current.
# Usage: vm-image.sh [cache dir]   (default /var/cache/vipd-vm; VIPD_VM_CACHE overrides it too)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${1:-${VIPD_VM_CACHE:-/var/cache/vipd-vm}}"
init_script="$repo/src/vm/guest-init.sh"

# The flavour the metapackage points at now; a new Debian point release moves it and the image is rebuilt.
release="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1)"
if [ -z "$release" ]; then
  apt-get update -qq
  release="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1)"
fi
[ -n "$release" ] || { echo "vm-image: cannot find the linux-image-amd64 release with apt-cache" >&2; exit 1; }

tree="$cache/kernel-$release"
vmlinux="$cache/vmlinux-$release"
# Named by the guest init's content: worktrees with different inits each find their own (src/vm/runner.ts
# computes the same name), and none rebuilds another's.
init_sum="$(sha256sum "$init_script" | cut -c1-16)"
initramfs="$cache/initramfs-$release-$init_sum.cpio.gz"
stamp="$cache/image.env"
if [ -f "$stamp" ] && grep -qx "VIPD_VM_RELEASE=$release" "$stamp" && [ -f "$vmlinux" ] && [ -f "$initramfs" ]; then
  exit 0
fi
mkdir -p "$cache"
# One builder at a time (install-deps may run from several worktrees at once).
exec 9>"$cache/.lock"
flock -w 600 9 || { echo "vm-image: $cache/.lock held for 10 minutes" >&2; exit 1; }
# A previous release's files are dropped once a new one is there.
for old in "$cache"/kernel-* "$cache"/vmlinux-* "$cache"/initramfs-*; do
  case "$old" in "$tree" | "$vmlinux" | "$cache"/initramfs-"$release"-*) ;; *) if [ -e "$old" ]; then rm -rf "$old"; fi ;; esac
done

if [ ! -f "$tree/.complete" ]; then
  echo "vm-image: downloading and extracting linux-image-$release"
  rm -rf "$tree" "$cache/dl"
  mkdir -p "$cache/dl" "$tree"
  # apt's sandbox user cannot write into a root-owned cache; the download itself is checked by apt.
  # Stale package lists may name a .deb the mirror no longer has: refresh them once and retry.
  download() { (cd "$cache/dl" && apt-get download -o APT::Sandbox::User=root "linux-image-$release" >/dev/null); }
  download || { apt-get update -qq && download; }
  dpkg-deb -x "$cache"/dl/linux-image-"$release"_*.deb "$tree"
  depmod -b "$tree" "$release"
  rm -rf "$cache/dl"
  touch "$tree/.complete"
fi

if [ ! -f "$vmlinux" ]; then
  echo "vm-image: decompressing the kernel to $vmlinux"
  image="$tree/boot/vmlinuz-$release"
  # A bzImage carries the kernel as an xz stream (CONFIG_KERNEL_XZ); find its magic and inflate from there.
  offset="$(grep -abo -m1 $'\xfd7zXZ\x00' "$image" | head -1 | cut -d: -f1)"
  [ -n "$offset" ] || { echo "vm-image: no xz stream in $image" >&2; exit 1; }
  tail -c +"$((offset + 1))" "$image" | xz -dc -q >"$vmlinux.tmp" 2>/dev/null || true
  head -c 4 "$vmlinux.tmp" | grep -q $'\x7fELF' || { echo "vm-image: $image did not inflate to an ELF" >&2; exit 1; }
  mv "$vmlinux.tmp" "$vmlinux"
fi

if [ ! -f "$initramfs" ]; then
  echo "vm-image: building $initramfs"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"/{bin,dev,proc,sys,modules,lower,rw,newroot}
  cp /bin/busybox "$work/bin/busybox"
  cp "$init_script" "$work/init"
  chmod 755 "$work/init"
  # Modules in dependency order: virtio over MMIO (qemu's microvm), 9p over virtio, overlayfs.
  modprobe -d "$tree" -S "$release" --show-depends -a virtio_mmio 9pnet_virtio 9p overlay \
    | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$work/modules.list"
  : >"$work/modules/order"
  while read -r module; do
    cp "$module" "$work/modules/"
    basename "$module" >>"$work/modules/order"
  done <"$work/modules.list"
  rm "$work/modules.list"
  (cd "$work" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initramfs.tmp"
  mv "$initramfs.tmp" "$initramfs"
fi

cat >"$stamp.tmp" <<ENV
VIPD_VM_RELEASE=$release
VIPD_VM_VMLINUX=$vmlinux
VIPD_VM_MODULES=$tree/lib/modules/$release
ENV
mv "$stamp.tmp" "$stamp"
echo "vm-image: ready ($release)"
