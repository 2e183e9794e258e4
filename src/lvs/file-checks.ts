// The FILE_CHECKs of the real servers, read by the daemon itself as keepalived's checker reads them: each file when
// it changes (src/track/file-tracker.ts: a watch, and a re-read every 2 s as a safety net), with no schedule and no
// retries. Reading a small regular file opened O_NONBLOCK cannot stall the event loop, so they need no process of
// their own. One reader per file serves every check of it; the first read happens at once, before the IPVS table is
// set up, so a real server whose file says down is never added (keepalived reads its files before it starts too).

import type { FileCheck } from "../check/check-definition.ts";
import { type FileCheckVerdict, fileCheckVerdict } from "../check/file-check.ts";
import type { Timers } from "../clock/timers.ts";
import { FileTracker } from "../track/file-tracker.ts";

export interface FileCheckResult {
  key: string;
  verdict: FileCheckVerdict;
  /** "holds 5", "is missing (counted as 0)": for the log and status. */
  reason: string;
}

export class FileChecks {
  private readers: FileTracker[] = [];

  constructor(
    private readonly timers: Timers,
    private readonly onResult: (result: FileCheckResult) => void,
  ) {}

  /** At start and reload: the files of `checks` read now and watched from then on; the others no longer. */
  sync(checks: readonly { key: string; definition: FileCheck }[]): void {
    this.stop();
    const byPath = new Map<string, { key: string; definition: FileCheck }[]>();
    for (const check of checks) byPath.set(check.definition.path, [...(byPath.get(check.definition.path) ?? []), check]);
    for (const [path, users] of byPath) {
      const reader = new FileTracker(
        { name: users[0]!.definition.trackFile, path },
        (_name, value, problem) => {
          const reason = value === null ? `${problem ?? "holds no number"} (counted as 0)` : `holds ${value}`;
          for (const { key, definition } of users) this.onResult({ key, verdict: fileCheckVerdict(definition, value), reason });
        },
        this.timers,
      );
      this.readers.push(reader);
      reader.start();
    }
  }

  stop(): void {
    for (const reader of this.readers) reader.stop();
    this.readers = [];
  }
}
