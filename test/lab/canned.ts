// A canned capture of a hard failure, as `tcpdump -n -l -e -tt --time-stamp-precision=micro` prints it on the
// client's link: r1 (192.0.2.11) is master until its cable is cut at t = 1000.000 s, r2 (192.0.2.12) takes over.

const R1 = "02:00:5e:00:02:0b";
const R2 = "02:00:5e:00:02:0c";
const CLIENT = "02:00:5e:00:02:02";
const VIP = "192.0.2.100";

const advert = (t: string, mac: string, src: string, prio: number) =>
  `${t} ${mac} > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 46: ${src} > 224.0.0.18: VRRPv3, Advertisement, vrid 51, prio ${prio}, intvl 10cs, length 12`;
const request = (t: string, to: string, seq: number) =>
  `${t} ${CLIENT} > ${to}, ethertype IPv4 (0x0800), length 98: 192.0.2.2 > ${VIP}: ICMP echo request, id 4242, seq ${seq}, length 64`;
const reply = (t: string, from: string, seq: number) =>
  `${t} ${from} > ${CLIENT}, ethertype IPv4 (0x0800), length 98: ${VIP} > 192.0.2.2: ICMP echo reply, id 4242, seq ${seq}, length 64`;
const garp = (t: string, mac: string) =>
  `${t} ${mac} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has ${VIP} (ff:ff:ff:ff:ff:ff) tell ${VIP}, length 28`;

export const CANNED_MACS = { R1, R2, CLIENT };

export const HARD_FAILURE_CAPTURE = [
  "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode",
  "listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
  advert("999.900000", R1, "192.0.2.11", 150),
  request("999.990000", R1, 1),
  reply("999.990100", R1, 1),
  request("999.992000", R1, 2),
  reply("999.992100", R1, 2),
  // t0 = 1000.000: the cable is cut; requests go unanswered.
  request("1000.002000", R1, 3),
  request("1000.004000", R1, 4),
  request("1000.100000", R1, 5),
  `1000.150000 ${CLIENT} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.12 tell 192.0.2.2, length 28`,
  garp("1000.320000", R2),
  advert("1000.320500", R2, "192.0.2.12", 140),
  request("1000.322000", R2, 6),
  reply("1000.322100", R2, 6),
  request("1000.324000", R2, 7),
  reply("1000.324100", R2, 7),
  advert("1000.420500", R2, "192.0.2.12", 140),
  advert("1000.520500", R2, "192.0.2.12", 140),
  request("1000.550000", R2, 8),
  reply("1000.550100", R2, 8),
  advert("1000.620500", R2, "192.0.2.12", 140),
  "12 packets captured",
].join("\n");
