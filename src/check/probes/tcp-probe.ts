// TCP_CHECK: up when a TCP connection to the target opens within the deadline; closed at once.

import type { ConnectTarget } from "../check-definition.ts";
import { deadline, openConnection, socketError } from "./connection.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export async function tcpProbe(target: ConnectTarget): Promise<ProbeResult> {
  const limit = deadline(target.timeoutMs);
  const connection = openConnection(target, null);
  const outcome = connection.ready.then(
    () => passed("connected"),
    (e) => failed(socketError(e)),
  );
  try {
    const result = await Promise.race([outcome, limit.expired]);
    return result === "timeout" ? failed(`no connection within ${target.timeoutMs} ms`) : result;
  } finally {
    limit.cancel();
    connection.close();
  }
}
