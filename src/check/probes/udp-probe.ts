// UDP_CHECK, as keepalived judges it: the payload is sent on a connected UDP socket. With require_reply the server
// must answer within the deadline (and, with reply data, the answer must be as long as allowed and start with it);
// without, silence is success and only an ICMP error (port unreachable: ECONNREFUSED) is a failure.

import { createSocket } from "node:dgram";
import type { UdpCheck } from "../check-definition.ts";
import { deadline, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export async function udpProbe(check: UdpCheck): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  const socket = createSocket(check.connect.family === 6 ? "udp6" : "udp4");
  const outcome = new Promise<ProbeResult>((resolve) => {
    socket.on("error", (e) => resolve(failed(socketError(e))));
    socket.on("message", (reply: Buffer) => resolve(judgeReply(check, reply)));
    const start = () =>
      socket.connect(check.connect.port, check.connect.address, () => {
        socket.send(Buffer.from(check.payload, "hex"), (e) => {
          if (e) resolve(failed(socketError(e)));
        });
      });
    if (check.connect.bindAddress !== null || check.connect.bindPort !== null) {
      socket.bind({ address: check.connect.bindAddress ?? undefined, port: check.connect.bindPort ?? 0 }, start);
    } else start();
  });
  try {
    const result = await Promise.race([outcome, limit.expired]);
    if (result !== "timeout") return result;
    return check.requireReply ? failed(`no reply within ${check.connect.timeoutMs} ms`) : passed("no error");
  } finally {
    limit.cancel();
    socket.close();
  }
}

function judgeReply(check: UdpCheck, reply: Buffer): ProbeResult {
  if (check.replyData === null) return passed(`reply of ${reply.length} bytes`);
  if (reply.length < check.minReplyLength || reply.length > check.maxReplyLength) {
    return failed(`reply of ${reply.length} bytes, not within ${check.minReplyLength}..${check.maxReplyLength}`);
  }
  const expected = Buffer.from(check.replyData, "hex");
  const n = Math.min(expected.length, reply.length);
  return reply.subarray(0, n).equals(expected.subarray(0, n)) ? passed("reply matched") : failed("reply data mismatch");
}
