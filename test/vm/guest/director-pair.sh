#!/bin/sh
# Runs inside the test VM (as root, in a throwaway guest): two IPVS directors d1 and d2 in front of two real servers,
# and a client, each in a namespace, joined by two bridges in namespace sw.
#   front 192.0.2.0/24:     c 192.0.2.100, d1 192.0.2.11, d2 192.0.2.12; the VIP 192.0.2.1 moves with VRRP
#   back  198.51.100.0/24:  d1 198.51.100.11, d2 198.51.100.12, r1 198.51.100.21, r2 198.51.100.22; the real
#                           servers' gateway 198.51.100.1 moves with the VIP (NAT replies must go through the
#                           director that holds the connection)
# Each real server's busybox httpd answers its own name on port 80. One `ip -batch` per namespace: every process
# start costs ≈ 0.1 s under emulation.
set -eu
for ns in sw c d1 d2 r1 r2; do
  ip netns add "$ns"
done
# The bridges, and a veth from each host's interface (named NS-IF on the bridge's side).
ip -n sw -batch - <<'BATCH'
link set lo up
link add front type bridge
link set front up
link add back type bridge
link set back up
link add c-eth0 type veth peer name eth0 netns c
link add d1-eth0 type veth peer name eth0 netns d1
link add d2-eth0 type veth peer name eth0 netns d2
link add d1-eth1 type veth peer name eth1 netns d1
link add d2-eth1 type veth peer name eth1 netns d2
link add r1-eth0 type veth peer name eth0 netns r1
link add r2-eth0 type veth peer name eth0 netns r2
link set c-eth0 master front up
link set d1-eth0 master front up
link set d2-eth0 master front up
link set d1-eth1 master back up
link set d2-eth1 master back up
link set r1-eth0 master back up
link set r2-eth0 master back up
BATCH
ip -n c -batch - <<'BATCH'
link set lo up
addr add 192.0.2.100/24 dev eth0
link set eth0 up
BATCH
for n in 1 2; do
  ip -n "d$n" -batch - <<BATCH
link set lo up
addr add 192.0.2.1$n/24 dev eth0
link set eth0 up
addr add 198.51.100.1$n/24 dev eth1
link set eth1 up
BATCH
  ip netns exec "d$n" sysctl -qw net.ipv4.ip_forward=1
  ip -n "r$n" -batch - <<BATCH
link set lo up
addr add 198.51.100.2$n/24 dev eth0
link set eth0 up
route add default via 198.51.100.1
BATCH
  mkdir -p "/tmp/www-r$n"
  echo "r$n" >"/tmp/www-r$n/index.html"
  ip netns exec "r$n" busybox httpd -p 80 -h "/tmp/www-r$n"
done
# Each director mounts a private /run/vipd over this one (director-pair.ts).
mkdir -p /run/vipd
