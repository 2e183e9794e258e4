// UDP_CHECK, as keepalived judges it: the payload is sent on a connected UDP socket. With require_reply the server
// must answer within the deadline (and, with reply data, the answer must be as long as allowed and start with it);
// without, silence is success and only an ICMP error (port unreachable: ECONNREFUSED) is a failure.

import type { UdpCheck } from "../check-definition.ts";
import { deadline, openDatagram, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export async function udpProbe(check: UdpCheck): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  let settle: (result: ProbeResult) => void = () => undefined;
  const heard = new Promise<ProbeResult>((resolve) => {
    settle = resolve;
  });
  const opened = openDatagram(
    check.connect,
    (reply) => settle(judgeReply(check, reply)),
    (e) => settle(failed(socketError(e))),
  );
  const outcome = opened.then(
    (socket) => {
      socket.send(Buffer.from(check.payload, "hex"));
      return heard;
    },
    (e) => failed(socketError(e)),
  );
  try {
    const result = await Promise.race([outcome, limit.expired]);
    if (result !== "timeout") return result;
    return check.requireReply ? failed(`no reply within ${check.connect.timeoutMs} ms`) : passed("no error");
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

function judgeReply(check: UdpCheck, reply: Buffer): ProbeResult {
  if (check.replyData === null) return passed(`reply of ${reply.length} bytes`);
  if (reply.length < check.minReplyLength || reply.length > check.maxReplyLength) {
    return failed(`reply of ${reply.length} bytes, not within ${check.minReplyLength}..${check.maxReplyLength}`);
  }
  const expected = Buffer.from(check.replyData, "hex");
  const n = Math.min(expected.length, reply.length);
  return reply.subarray(0, n).equals(expected.subarray(0, n)) ? passed("reply matched") : failed("reply data mismatch");
}
