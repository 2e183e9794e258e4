#!/bin/sh
# Runs inside the test VM: makes each namespace named look like the director the keepalived samples were written
# for — a link with routes to everything, IPv4 and IPv6 — so the kernel takes their NAT real servers (it refuses,
# EINVAL, a destination it has no unicast route to). The link is a dummy: nothing sent there leaves the namespace.
# One `ip -batch` per namespace: every process start costs ≈ 0.1 s under emulation.
set -eu
for name in "$@"; do
  ip netns add "$name"
  ip -n "$name" -batch - <<'BATCH'
link set lo up
link add eth0 type dummy
link set eth0 up
route add default dev eth0
route add ::/0 dev eth0
BATCH
done
