// DNS_CHECK, as keepalived asks: one query over UDP (recursion desired, a random id, class IN) for the check's name
// and type; up when an answer with that id comes back with rcode 0 within the deadline. Answers with another id
// or that are not responses are ignored, as keepalived ignores them.

import { createSocket } from "node:dgram";
import { type DnsCheck, DNS_TYPES } from "../check-definition.ts";
import { deadline, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export function dnsQuery(check: DnsCheck, id: number): Buffer {
  const labels = check.name.split(".").filter((l) => l !== "");
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, "ascii"));
  const type = DNS_TYPES[check.type];
  parts.push(Buffer.from([0, type >> 8, type & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

export async function dnsProbe(check: DnsCheck, random: () => number = Math.random): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  const socket = createSocket(check.connect.family === 6 ? "udp6" : "udp4");
  const id = Math.floor(random() * 0x10000) & 0xffff;
  const outcome = new Promise<ProbeResult>((resolve) => {
    socket.on("error", (e) => resolve(failed(socketError(e))));
    socket.on("message", (reply: Buffer) => {
      if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2]! & 0x80) === 0) return;
      const rcode = reply[3]! & 0x0f;
      resolve(rcode === 0 ? passed("answered") : failed(`rcode ${rcode}`));
    });
    const send = () =>
      socket.send(dnsQuery(check, id), check.connect.port, check.connect.address, (e) => {
        if (e) resolve(failed(socketError(e)));
      });
    if (check.connect.bindAddress !== null || check.connect.bindPort !== null) {
      socket.bind({ address: check.connect.bindAddress ?? undefined, port: check.connect.bindPort ?? 0 }, send);
    } else send();
  });
  try {
    const result = await Promise.race([outcome, limit.expired]);
    return result === "timeout" ? failed(`no answer within ${check.connect.timeoutMs} ms`) : result;
  } finally {
    limit.cancel();
    socket.close();
  }
}
