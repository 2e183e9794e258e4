// Parses the lines of `tcpdump -n -l -tt -e --time-stamp-precision=micro 'vrrp or arp or icmp'` into packets.
// Pure, and lenient: a line it does not recognise (tcpdump's own messages, other protocols, a format change)
// yields null and is skipped, never thrown on.

export interface PacketBase {
  /** Kernel receive time, milliseconds since the epoch (microsecond precision). */
  t: number;
  srcMac: string;
  dstMac: string;
}

export interface AdvertPacket extends PacketBase {
  kind: "advert";
  src: string;
  version: number;
  vrid: number;
  priority: number;
  /** Advert interval in centiseconds, when tcpdump printed it. */
  intervalCs: number | null;
}

export interface ArpPacket extends PacketBase {
  kind: "arp";
  op: "request" | "reply";
  senderIp: string;
  targetIp: string;
  /** Announces the sender's own address (sender = target, or a reply broadcast to everyone). */
  gratuitous: boolean;
}

export interface EchoPacket extends PacketBase {
  kind: "echo-request" | "echo-reply";
  src: string;
  dst: string;
  id: number;
  seq: number;
}

export type Packet = AdvertPacket | ArpPacket | EchoPacket;

const MAC = "[0-9a-f]{2}(?::[0-9a-f]{2}){5}";
const FRAME = new RegExp(`^(\\d+)\\.(\\d{1,9}) (${MAC}) > (${MAC}), ethertype \\S+ \\(0x[0-9a-f]+\\), length \\d+: (.*)$`, "i");
const ARP_REQUEST = /^Request who-has (\S+)(?: \([^)]*\))? tell (\S+?),/;
const ARP_REPLY = /^Reply (\S+) is-at (\S+?),/;
const IPV4 = /^(\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): (.*)$/;
const VRRP = /^VRRPv(\d), Advertisement, vrid (\d+), prio (\d+)(?:.*?, intvl (\d+)(cs|s))?/;
const ECHO = /^ICMP echo (request|reply), id (\d+), seq (\d+)/;
const BROADCAST = "ff:ff:ff:ff:ff:ff";

/** Seconds and a fraction of any precision, to milliseconds (the fraction padded, not float-parsed twice). */
function toMs(seconds: string, fraction: string): number {
  return Number(seconds) * 1000 + Number(`0.${fraction}`) * 1000;
}

export function parseTcpdumpLine(line: string): Packet | null {
  const frame = FRAME.exec(line.trim());
  if (!frame) return null;
  const base: PacketBase = { t: toMs(frame[1]!, frame[2]!), srcMac: frame[3]!.toLowerCase(), dstMac: frame[4]!.toLowerCase() };
  const payload = frame[5]!;
  const request = ARP_REQUEST.exec(payload);
  if (request) {
    const [targetIp, senderIp] = [request[1]!, request[2]!];
    return { ...base, kind: "arp", op: "request", senderIp, targetIp, gratuitous: senderIp === targetIp };
  }
  const reply = ARP_REPLY.exec(payload);
  if (reply) return { ...base, kind: "arp", op: "reply", senderIp: reply[1]!, targetIp: reply[1]!, gratuitous: base.dstMac === BROADCAST };
  const ip = IPV4.exec(payload);
  if (!ip) return null;
  const [src, dst, body] = [ip[1]!, ip[2]!, ip[3]!];
  const vrrp = VRRP.exec(body);
  if (vrrp) {
    const interval = vrrp[4] === undefined ? null : Number(vrrp[4]) * (vrrp[5] === "s" ? 100 : 1);
    return {
      ...base,
      kind: "advert",
      src,
      version: Number(vrrp[1]),
      vrid: Number(vrrp[2]),
      priority: Number(vrrp[3]),
      intervalCs: interval,
    };
  }
  const echo = ECHO.exec(body);
  if (echo)
    return { ...base, kind: echo[1] === "request" ? "echo-request" : "echo-reply", src, dst, id: Number(echo[2]), seq: Number(echo[3]) };
  return null;
}
