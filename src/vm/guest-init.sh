#!/bin/busybox sh
# PID 1 of the test VM (packed into the initramfs by scripts/vm-image.sh). It mounts the host's root, shared read-only
# over 9p, under a RAM overlay, so the guest sees /work, bun and the host's tools and may write anywhere; runs
# /vm-out/run.sh (written by the host runner) with its output into /vm-out, the host's per-run directory shared
# read-write; writes the exit status last; and reboots, which ends qemu (-no-reboot). Kernel parameters that are
# not the kernel's own arrive here as environment variables: vipd_release, vipd_modules.
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

fail() {
  echo "vipd-vm: FAILED: $*"
  # The host reads "failed" from the console and reports this line; the reboot ends qemu at once.
  reboot -f
  sleep 5
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "vipd-vm: init"

while read -r module; do
  insmod "/modules/$module" || fail "insmod $module"
done </modules/order

mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 hostroot /lower || fail "mount hostroot"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "mount overlay"
mkdir -p /newroot/vm-out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 vmout /newroot/vm-out || fail "mount vmout"

for fs in proc sysfs devtmpfs; do
  case $fs in proc) dir=proc ;; sysfs) dir=sys ;; devtmpfs) dir=dev ;; esac
  mount -t $fs $fs "/newroot/$dir" || fail "mount $dir"
done
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
# /tmp stays the host's (under the overlay): a tree checked out there (CI may) must be visible. /run is the guest's
# own, so the host's runtime state (its /run/netns, sockets) does not show through.
mount -t tmpfs tmpfs /newroot/run
# The host has no modules for the guest's kernel: show the cached ones where modprobe looks. Taken from the
# host's tree itself (/lower), whatever the guest mounts over it.
if [ -n "$vipd_release" ]; then
  [ -d "/lower$vipd_modules" ] || fail "no modules at $vipd_modules"
  mkdir -p "/newroot/lib/modules/$vipd_release"
  mount --bind "/lower$vipd_modules" "/newroot/lib/modules/$vipd_release" || fail "bind modules"
fi
# The kernel's own module requests (a scheduler like ip_vs_wlc on first use) run modprobe from the initramfs'
# root, not the command's chroot: hand them to the host's modprobe inside the chroot.
printf '#!/bin/sh\nexec chroot /newroot /sbin/modprobe "$@"\n' >/bin/vipd-modprobe
chmod 755 /bin/vipd-modprobe
echo /bin/vipd-modprobe >/proc/sys/kernel/modprobe
hostname vipd-vm
ip link set lo up

echo "vipd-vm: running"
chroot /newroot /bin/sh /vm-out/run.sh </dev/null >/newroot/vm-out/stdout 2>/newroot/vm-out/stderr
echo "$?" >/newroot/vm-out/status.tmp
mv /newroot/vm-out/status.tmp /newroot/vm-out/status
sync
echo "vipd-vm: done"
reboot -f
sleep 5
