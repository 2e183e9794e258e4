// SMTP_CHECK, as keepalived talks to the server: its greeting must be 220, HELO must be answered with 250, then
// QUIT (and its answer) ends the check. Multi-line replies ("250-...") are read to their last line. The whole
// exchange runs under the check's deadline.

import type { Socket } from "node:net";
import type { SmtpCheck } from "../check-definition.ts";
import { deadline, openConnection, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

const MAX_REPLY_BYTES = 16 * 1024;

export async function smtpProbe(check: SmtpCheck): Promise<ProbeResult> {
  const limit = deadline(check.connect.timeoutMs);
  const connection = openConnection(check.connect, null);
  let buffer = "";
  let waiting: ((reply: number | string) => void) | null = null;
  /** The code of the next complete reply, or a reason why there is none. */
  const nextReply = () =>
    new Promise<number | string>((resolve) => {
      waiting = resolve;
      deliver();
    });
  const deliver = () => {
    if (waiting === null) return;
    const lines = buffer.split("\r\n");
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^(\d{3})([ -]?)/.exec(lines[i]!);
      if (m === null) return settle("not an SMTP reply");
      if (m[2] !== "-") {
        buffer = lines.slice(i + 1).join("\r\n");
        return settle(Number(m[1]));
      }
    }
    if (buffer.length > MAX_REPLY_BYTES) settle("SMTP reply too long");
  };
  const settle = (reply: number | string) => {
    const resolve = waiting;
    waiting = null;
    resolve?.(reply);
  };
  const exchange = async (): Promise<ProbeResult> => {
    let socket: Socket;
    try {
      socket = await connection.ready;
    } catch (e) {
      return failed(socketError(e));
    }
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      deliver();
    });
    socket.on("error", (e) => settle(socketError(e)));
    socket.on("close", () => settle("connection closed"));
    const greeting = await nextReply();
    if (greeting !== 220) return failed(typeof greeting === "string" ? greeting : `greeting ${greeting}, expected 220`);
    socket.write(`HELO ${check.heloName}\r\n`);
    const helo = await nextReply();
    if (helo !== 250) return failed(typeof helo === "string" ? helo : `HELO answered ${helo}, expected 250`);
    socket.write("QUIT\r\n");
    await nextReply();
    return passed("HELO 250");
  };
  try {
    const result = await Promise.race([exchange(), limit.expired]);
    return result === "timeout" ? failed(`no complete SMTP exchange within ${check.connect.timeoutMs} ms`) : result;
  } finally {
    limit.cancel();
    connection.close();
  }
}
