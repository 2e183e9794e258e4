// Child process: receives adverts on eth0 (IPv4 and IPv6 transports), stamps each the moment the handler is
// entered, and reflects it straight back to the group on the same transport (stamped right before that send), so the sender can
// also time the round trip on its own clock. The sender (advert-sender.ts) numbers its adverts in the VRID and
// priority bytes, so the stamps pair up by sequence number. Commands on stdin, one per line:
//   clock   → {"clock":ms}                                        (for the parent's clock check)
//   report  → {"report":{"4":{"received":[...],"reflected":[...]},"6":{...}}}  (ms by sequence number, 0 = none)
import { linuxVrrpTransports } from "../../src/adapters/linux/vrrp-socket.ts";
import type { ReceivedPacket, VrrpTransport } from "../../src/adapters/vrrp-transport.ts";
import { VRRP_MCAST_GROUP_V4, VRRP_MCAST_GROUP_V6 } from "../../src/vrrp/constants.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { decodeSequence, MAX_SEQUENCE } from "./advert-sequence.ts";
import { sharedClockMs } from "./shared-clock.ts";

const ifname = process.argv[2] ?? "eth0";
// Preallocated so the handler allocates nothing.
const stamps = {
  4: { received: new Float64Array(MAX_SEQUENCE), reflected: new Float64Array(MAX_SEQUENCE) },
  6: { received: new Float64Array(MAX_SEQUENCE), reflected: new Float64Array(MAX_SEQUENCE) },
};
const reflectBuffer = new Uint8Array(2048);
const transports: Partial<Record<4 | 6, VrrpTransport>> = {};
// Reflected to the group, like the forward path, so both directions take the same way through the kernel.
const groups = { 4: parseIp(VRRP_MCAST_GROUP_V4)!, 6: parseIp(VRRP_MCAST_GROUP_V6)! };

function onPacket(p: ReceivedPacket): void {
  const now = sharedClockMs();
  const seq = decodeSequence(p.packet, p.offset);
  if (seq < 0) return;
  const s = stamps[p.family];
  s.received[seq] = now;
  // send() takes the message from offset 0; the sender reads only the sequence bytes, not the checksum.
  reflectBuffer.set(p.packet.subarray(p.offset, p.offset + p.length));
  s.reflected[seq] = sharedClockMs();
  transports[p.family]?.send(reflectBuffer, p.length, groups[p.family]);
}

transports[4] = linuxVrrpTransports.open({ ifname, family: 4 }, onPacket);
transports[6] = linuxVrrpTransports.open({ ifname, family: 6 }, onPacket);

const report = (f: 4 | 6) => ({ received: Array.from(stamps[f].received), reflected: Array.from(stamps[f].reflected) });

async function main(): Promise<void> {
  console.log(JSON.stringify({ ready: true, pid: process.pid }));
  const text = new TextDecoder();
  let partial = "";
  for await (const chunk of Bun.stdin.stream()) {
    partial += text.decode(chunk, { stream: true });
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "clock") console.log(JSON.stringify({ clock: sharedClockMs() }));
      else if (line === "report") console.log(JSON.stringify({ report: { 4: report(4), 6: report(6) } }));
    }
  }
  await Promise.all([transports[4]?.close(), transports[6]?.close()]);
  process.exit(0);
}

void main();
