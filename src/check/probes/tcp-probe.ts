// TCP_CHECK: up when a TCP connection to the target opens within the deadline; closed at once. The connection is
// made on a socket of our own, watched with every other check's (src/adapters/linux/stream-exchange.ts).

import type { ExchangeClient, ExchangeEnd } from "../../adapters/linux/stream-exchange.ts";
import { startExchange } from "../../adapters/linux/stream-exchange.ts";
import type { ConnectTarget } from "../check-definition.ts";
import { failed, passed, type ProbeDone, type ProbeResult } from "./probe-result.ts";

/** Shared by every passed run: results are read, never changed. */
const CONNECTED: ProbeResult = Object.freeze(passed("connected"));

/** Starts one run; `done` hears its result. No promise: a run is two objects, at thousands of runs a second. */
export function startTcpProbe(target: ConnectTarget, done: ProbeDone): void {
  startExchange(target, target.timeoutMs, new ConnectOnly(target.timeoutMs, done));
}

class ConnectOnly implements ExchangeClient {
  readonly request = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly done: ProbeDone,
  ) {}

  data(): boolean {
    return true;
  }

  end(how: ExchangeEnd, error: string): void {
    if (how === "done") this.done(CONNECTED);
    else if (how === "timeout") this.done(failed(`no connection within ${this.timeoutMs} ms`));
    else if (how === "error") this.done(failed(error));
    else this.done(failed("connection closed"));
  }
}
