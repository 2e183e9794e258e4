// Child process: sends `count` VRRPv3 adverts on eth0 for one family, one every ≈`gapMs` (so each meets an idle
// receiver, as a real advert does, rather than a queue), stamping the shared clock right before each send, and
// stamps each reflection coming back on entry to its own handler. Prints {"sent":[ms...],"echoed":[ms...]} (by
// sequence number, 0 = no echo) and exits.
//
//   bun bench/lib/advert-sender.ts FAMILY COUNT GAP_MS
import { linuxVrrpTransports } from "../../src/adapters/linux/vrrp-socket.ts";
import type { ReceivedPacket } from "../../src/adapters/vrrp-transport.ts";
import { encodeAdvert, passwordAuthData, type AdvertFields } from "../../src/vrrp/advert.ts";
import { VRRP_MCAST_GROUP_V4, VRRP_MCAST_GROUP_V6 } from "../../src/vrrp/constants.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { decodeSequence, encodeSequence } from "./advert-sequence.ts";
import { sharedClockMs } from "./shared-clock.ts";

const family = process.argv[2] === "6" ? 6 : 4;
const count = Number(process.argv[3] ?? 1000);
const gapMs = Number(process.argv[4] ?? 1);

const sent = new Float64Array(count);
const echoed = new Float64Array(count);
function onEcho(p: ReceivedPacket): void {
  const now = sharedClockMs();
  const seq = decodeSequence(p.packet, p.offset);
  if (seq >= 0 && seq < count) echoed[seq] = now;
}

const transport = linuxVrrpTransports.open({ ifname: "eth0", family }, onEcho);
const dst = parseIp(family === 4 ? VRRP_MCAST_GROUP_V4 : VRRP_MCAST_GROUP_V6)!;
const fields: AdvertFields = {
  version: 3,
  vrid: 1,
  priority: 1,
  advertIntervalCs: 100,
  addresses: [parseIp(family === 4 ? "192.0.2.100" : "2001:db8::100")!],
  authType: 0,
  authData: passwordAuthData(""),
};
const buffer = new Uint8Array(256);

for (let seq = 0; seq < count; seq++) {
  const { vrid, priority } = encodeSequence(seq);
  fields.vrid = vrid;
  fields.priority = priority;
  const length = encodeAdvert(buffer, fields, family, transport.source, dst);
  sent[seq] = sharedClockMs();
  transport.send(buffer, length, dst);
  await Bun.sleep(gapMs);
}
await Bun.sleep(100); // the last echo
await transport.close();
console.log(JSON.stringify({ sent: Array.from(sent), echoed: Array.from(echoed) }));
process.exit(0);
