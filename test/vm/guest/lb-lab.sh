#!/bin/sh
# Runs inside the test VM (as root, in a throwaway guest): a client namespace and two real servers behind this
# namespace as the IPVS director. Client c 192.0.2.2 -- 192.0.2.1 director 198.51.100.1 -- r1 198.51.100.2,
# 198.51.100.17 -- r2 198.51.100.18; over IPv6 c 2001:db8:1::2 -- 2001:db8:1::1 director 2001:db8:2::1 -- r1
# 2001:db8:2::2, 2001:db8:3::1 -- r2 2001:db8:3::2. Each real server's busybox httpd answers its own name on port 80.
# The VIPs 203.0.113.10 (direct routing) and 203.0.113.11 (IPIP tunnel) are on the director's lo and, as
# keepalived's DR/TUN setups want, on each real server's lo, with an ipip device to take tunnelled packets off.
set -eu
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# Real servers answer from the VIP, and their replies come back through the director, which holds the VIP too.
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.all.accept_local=1
ip link set lo up
ip addr add 203.0.113.10/32 dev lo
ip addr add 203.0.113.11/32 dev lo
ip netns add c
ip link add vc type veth peer name eth0 netns c
ip addr add 192.0.2.1/24 dev vc
ip link set vc up
ip -n c addr add 192.0.2.2/24 dev eth0
ip -n c link set eth0 up
ip -n c link set lo up
ip -n c route add default via 192.0.2.1
ip addr add 2001:db8:1::1/64 dev vc nodad
ip -n c addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n c -6 route add default via 2001:db8:1::1
n=0
for server in r1 r2; do
  ip netns add "$server"
  ip link add "v$server" type veth peer name eth0 netns "$server"
  ip addr add "198.51.100.$((n * 16 + 1))/28" dev "v$server"
  ip link set "v$server" up
  sysctl -qw "net.ipv4.conf.v$server.rp_filter=0" "net.ipv4.conf.v$server.accept_local=1"
  ip -n "$server" addr add "198.51.100.$((n * 16 + 2))/28" dev eth0
  ip -n "$server" link set eth0 up
  ip -n "$server" link set lo up
  ip -n "$server" route add default via "198.51.100.$((n * 16 + 1))"
  ip addr add "2001:db8:$((n + 2))::1/64" dev "v$server" nodad
  ip -n "$server" addr add "2001:db8:$((n + 2))::2/64" dev eth0 nodad
  ip -n "$server" -6 route add default via "2001:db8:$((n + 2))::1"
  ip -n "$server" addr add 203.0.113.10/32 dev lo
  ip -n "$server" addr add 203.0.113.11/32 dev lo
  ip -n "$server" link add tunl0 type ipip 2>/dev/null || true # loading ipip makes tunl0 itself
  ip -n "$server" link set tunl0 up
  ip netns exec "$server" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0
  mkdir -p "/tmp/www-$server"
  echo "$server" >"/tmp/www-$server/index.html"
  ip netns exec "$server" busybox httpd -p 80 -h "/tmp/www-$server"
  n=$((n + 1))
done
