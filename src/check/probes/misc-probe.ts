// MISC_CHECK: the program's exit status is the verdict, as keepalived reads it: 0 is up; with misc_dynamic, 2..255
// is up with weight status - 2; anything else, a signal or the timeout (which kills its process group) is down.

import type { CommandRunner } from "../../process/run-command.ts";
import type { MiscCheck } from "../check-definition.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export interface RunIdentity {
  uid?: number;
  gid?: number;
}

export async function miscProbe(check: MiscCheck, run: CommandRunner, as: RunIdentity): Promise<ProbeResult> {
  const result = await run({ argv: check.argv, timeoutMs: check.timeoutMs, ...as });
  if (result.spawnError !== null) return failed(`could not start: ${result.spawnError}`);
  if (result.timedOut) return failed(`timed out after ${check.timeoutMs} ms`);
  if (result.exitCode === null) return failed(`killed by ${result.signal ?? "a signal"}`);
  const code = result.exitCode;
  if (code === 0) return passed("exit 0");
  if (check.dynamic && code >= 2) return passed(`exit ${code}: weight ${code - 2}`, code - 2);
  return failed(`exit ${code}${result.stderr ? `: ${result.stderr.split("\n")[0]}` : ""}`);
}
