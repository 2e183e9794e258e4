// DNS_CHECK, as keepalived asks: one query over UDP (recursion desired, a random id, class IN) for the check's name
// and type; up when an answer with that id comes back with rcode 0 within the deadline. Answers with another id
// or that are not responses are ignored, as keepalived ignores them.

import { type DnsCheck, DNS_TYPES } from "../check-definition.ts";
import { deadline, openDatagram, socketError } from "./connection.ts";
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
  const id = Math.floor(random() * 0x10000) & 0xffff;
  let settle: (result: ProbeResult) => void = () => undefined;
  const answered = new Promise<ProbeResult>((resolve) => {
    settle = resolve;
  });
  const onReply = (reply: Buffer) => {
    if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2]! & 0x80) === 0) return;
    const rcode = reply[3]! & 0x0f;
    settle(rcode === 0 ? passed("answered") : failed(`rcode ${rcode}`));
  };
  const opened = openDatagram(check.connect, onReply, (e) => settle(failed(socketError(e))));
  const outcome = opened.then(
    (socket) => {
      socket.send(dnsQuery(check, id));
      return answered;
    },
    (e) => failed(socketError(e)),
  );
  try {
    const result = await Promise.race([outcome, limit.expired]);
    return result === "timeout" ? failed(`no answer within ${check.connect.timeoutMs} ms`) : result;
  } catch (e) {
    return failed(socketError(e));
  } finally {
    limit.cancel();
    // Closed whenever it opens, also after the deadline.
    opened.then(
      (socket) => socket.close(),
      () => undefined,
    );
  }
}
