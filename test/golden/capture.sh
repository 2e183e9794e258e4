#!/usr/bin/env bash
# Capture golden VRRP advertisement vectors from the real keepalived (2.2.7) into test/golden/<name>.json.
# Run as root: sudo bash test/golden/capture.sh [name...]   (default: every vector below)
#
# Per vector: two private network namespaces joined by a veth pair (fixed MACs, so the IPv6 link-local source and
# every checksum are reproducible); keepalived runs as MASTER on vg0 in one, tcpdump captures 3 adverts on vg1 in the
# other. Nothing is added to the root namespace; namespaces and processes started here are removed on any exit.
set -euo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PFX="vg$$-"
KA_MAC=02:00:00:00:00:01
CAP_MAC=02:00:00:00:00:02
WAIT_ADVERTS_S=12 # Master_Down (≈3.4 s at advert_int 1, priority 150) + 2 more adverts, with margin

# name | family | settings (the values in <name>.conf, as the JSON "settings" object)
VECTORS=(
  'v2-noauth|4|{"version":2,"vrid":51,"priority":150,"advertIntervalCs":100,"authType":0,"authPassword":"","vips":["192.0.2.100"],"checksumAsV2":false}'
  'v2-pass|4|{"version":2,"vrid":52,"priority":150,"advertIntervalCs":100,"authType":1,"authPassword":"secret12","vips":["192.0.2.101","192.0.2.102"],"checksumAsV2":false}'
  'v3-ipv4-multi|4|{"version":3,"vrid":53,"priority":150,"advertIntervalCs":10,"authType":0,"authPassword":"","vips":["192.0.2.110","192.0.2.111","192.0.2.112","198.51.100.7"],"checksumAsV2":false}'
  'v3-ipv6|6|{"version":3,"vrid":54,"priority":150,"advertIntervalCs":100,"authType":0,"authPassword":"","vips":["2001:db8::100","2001:db8::101"],"checksumAsV2":false}'
  # IPsec AH (protocol 51): the whole datagrams are kept ("datagramsHex"), the ICV covers the IP header.
  'v2-ah|4|{"version":2,"vrid":55,"priority":150,"advertIntervalCs":100,"authType":2,"authPassword":"Aa123456","vips":["192.0.2.120","192.0.2.121"],"checksumAsV2":false,"unicastPeers":[]}'
  'v2-ah-unicast|4|{"version":2,"vrid":56,"priority":150,"advertIntervalCs":100,"authType":2,"authPassword":"ah1","vips":["192.0.2.130"],"checksumAsV2":false,"unicastPeers":["192.0.2.2"]}'
)

[ "$(id -u)" = 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }
for tool in keepalived tcpdump ip python3 timeout; do
  command -v "$tool" >/dev/null || { echo "capture.sh: $tool not found (apt-get install -y keepalived tcpdump iproute2)" >&2; exit 1; }
done
KA_VERSION=$(keepalived -v 2>&1 | sed -n 's/^Keepalived v\([0-9.]*\).*/\1/p' | head -n1)
[ "$KA_VERSION" = 2.2.7 ] || echo "capture.sh: warning: keepalived $KA_VERSION, vectors are meant to come from 2.2.7" >&2

TMP=$(mktemp -d /tmp/vipd-golden.XXXXXX)
NSS=()  # namespaces created here
PIDS=() # processes started here

stop_pid() { # pid: TERM, wait ≤3 s, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid f ns
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  # keepalived's VRRP child normally exits with its parent; stop it by its pid file if it did not.
  for f in "$TMP"/*/vrrp.pid; do [ -s "$f" ] && stop_pid "$(cat "$f")"; done
  for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

wait_gone() { # pid seconds
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

capture() { # name family settings
  local name=$1 family=$2 settings=$3
  local ka="${PFX}ka" cap="${PFX}cap" work="$TMP/$name" conf="$DIR/$name.conf" ns i
  local ka_pid tcpdump_pid
  mkdir -p "$work"
  [ -f "$conf" ] || { echo "capture.sh: $conf missing" >&2; return 1; }

  for ns in "$ka" "$cap"; do
    ip netns add "$ns"
    NSS+=("$ns")
    # DAD off before the veth exists so the IPv6 addresses (and the link-local source) are usable at once;
    # auto flow labels off because the kernel (not keepalived) would put a per-boot flow hash in the IPv6 header.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.auto_flowlabels=0
    ip -n "$ns" link set lo up
  done
  ip -n "$ka" link add vg0 address "$KA_MAC" type veth peer name vg1 address "$CAP_MAC" netns "$cap"
  ip -n "$ka" addr add 192.0.2.1/24 dev vg0
  ip -n "$ka" addr add 2001:db8::1/64 dev vg0 nodad
  ip -n "$cap" addr add 192.0.2.2/24 dev vg1
  ip -n "$cap" addr add 2001:db8::2/64 dev vg1 nodad
  ip -n "$ka" link set vg0 up
  ip -n "$cap" link set vg1 up

  timeout "$((WAIT_ADVERTS_S + 5))" ip netns exec "$cap" \
    tcpdump -i vg1 -n -U -Z root -c 3 -w "$work/adverts.pcap" 'ip proto 112 or ip proto 51 or ip6 proto 112' \
    >"$work/tcpdump.log" 2>&1 &
  tcpdump_pid=$!
  PIDS+=("$tcpdump_pid")
  for ((i = 0; i < 50; i++)); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.1; done
  grep -q 'listening on' "$work/tcpdump.log" || { echo "capture.sh: $name: tcpdump did not start" >&2; cat "$work/tcpdump.log" >&2; return 1; }

  ip netns exec "$ka" keepalived -n -l -D -G -P -f "$conf" -p "$work/keepalived.pid" -r "$work/vrrp.pid" \
    -c "$work/checkers.pid" -b "$work/bfd.pid" >"$work/keepalived.log" 2>&1 &
  ka_pid=$!
  PIDS+=("$ka_pid")

  for ((i = 0; i < WAIT_ADVERTS_S * 10; i++)); do
    kill -0 "$tcpdump_pid" 2>/dev/null && kill -0 "$ka_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$tcpdump_pid" 2>/dev/null || [ ! -s "$work/adverts.pcap" ]; then
    echo "capture.sh: $name: fewer than 3 adverts within ${WAIT_ADVERTS_S}s; keepalived log:" >&2
    cat "$work/keepalived.log" >&2
    return 1
  fi
  stop_pid "$ka_pid"
  wait_gone "$ka_pid" 4 || { echo "capture.sh: $name: keepalived $ka_pid did not stop" >&2; return 1; }
  [ -s "$work/vrrp.pid" ] && stop_pid "$(cat "$work/vrrp.pid")"

  tcpdump -r "$work/adverts.pcap" -n -x 2>/dev/null >"$work/adverts.txt"
  python3 - "$work/adverts.txt" "$DIR/$name.json" "$name" "$family" "$KA_VERSION" "$settings" <<'EOF'
import ipaddress, json, re, sys

txt, out, name, family, version, settings = sys.argv[1:]
family = int(family)
# tcpdump -x: a summary line, then "\t0x0010:  4500 0028 ..." lines starting at the network header.
packets = []
for line in open(txt):
    m = re.match(r"\s+0x[0-9a-f]+:\s+(.*)$", line)
    if m:
        packets[-1] += "".join(m.group(1).split())
    else:
        packets.append("")
if len(packets) < 1 or not packets[0]:
    sys.exit(f"{name}: no packet in capture")
raw = bytes.fromhex(packets[0])

ah = None
if family == 4:
    assert raw[0] >> 4 == 4 and raw[9] in (112, 51), f"{name}: not IPv4/VRRP or IPv4/AH"
    ihl = (raw[0] & 0x0F) * 4
    total = int.from_bytes(raw[2:4], "big")
    if raw[9] == 51:
        ah, ip, vrrp = raw[ihl : ihl + 24], raw[:ihl], raw[ihl + 24 : total]
    else:
        ip, vrrp = raw[:ihl], raw[ihl:total]
    src, dst, ttl = ipaddress.IPv4Address(raw[12:16]), ipaddress.IPv4Address(raw[16:20]), raw[8]
else:
    assert raw[0] >> 4 == 6 and raw[6] == 112, f"{name}: not IPv6/VRRP (or an extension header)"
    plen = int.from_bytes(raw[4:6], "big")
    ip, vrrp = raw[:40], raw[40 : 40 + plen]
    src, dst, ttl = ipaddress.IPv6Address(raw[8:24]), ipaddress.IPv6Address(raw[24:40]), raw[7]

doc = {
    "name": name,
    "conf": f"{name}.conf",
    "keepalived": version,
    "family": family,
    "src": str(src),
    "dst": str(dst),
    "ttl": ttl,
    "ipHeaderHex": ip.hex(),
    "vrrpHex": vrrp.hex(),
    "settings": json.loads(settings),
}
if ah is not None:
    doc["ahHex"] = ah.hex()
    doc["datagramsHex"] = [bytes.fromhex(p).hex() for p in packets]
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
print(f"{name}: {src} -> {dst} ttl {ttl}, {len(vrrp)} VRRP bytes, {len(packets)} adverts captured")
EOF

  for ns in "$ka" "$cap"; do ip netns del "$ns"; done
  NSS=()
  PIDS=()
}

want=("$@")
for entry in "${VECTORS[@]}"; do
  IFS='|' read -r name family settings <<<"$entry"
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  capture "$name" "$family" "$settings"
done
