// The checker process: `vipd` started by the daemon with the internal argument CHECKER_ARGUMENT
// (checker-protocol.ts). It runs the
// checks the daemon plans, away from the VRRP event loop, and reports the results that say something new
// (report-filter.ts); a heartbeat shows it is alive.
// It ends when its stdin closes (the daemon is gone) and exits non-zero on an internal error so that the daemon
// starts a new one.

import { runCommand } from "../process/run-command.ts";
import { type CheckReport, CheckRunner, type PlannedCheck } from "./check-runner.ts";
import { decodeToChecker, encodeMessage, HEARTBEAT_MS } from "./checker-protocol.ts";
import { ReportFilter } from "./report-filter.ts";
import { httpProbe } from "./probes/http-probe.ts";
import { miscProbe } from "./probes/misc-probe.ts";
import { checkerError, type ProbeDone, settle } from "./probes/probe-result.ts";
import { LinuxIcmpEcho } from "../adapters/linux/icmp-echo.ts";
import { dnsProbe } from "./probes/dns-probe.ts";
import { pingProbe } from "./probes/ping-probe.ts";
import { smtpProbe } from "./probes/smtp-probe.ts";
import { startTcpProbe } from "./probes/tcp-probe.ts";
import { udpProbe } from "./probes/udp-probe.ts";
import { turnTimers } from "../clock/turn-clock.ts";

/** The raw ICMP sockets, opened when the first PING_CHECK runs. */
let echo: LinuxIcmpEcho | null = null;

/** Starts one run of `check`; `done` hears the result. TCP_CHECK, the most frequent, goes without a promise. */
export function probeOf(check: PlannedCheck, done: ProbeDone): void {
  const d = check.definition;
  switch (d.kind) {
    case "TCP_CHECK":
      startTcpProbe(d.connect, done);
      return;
    case "MISC_CHECK":
      settle(miscProbe(d, runCommand, { uid: check.uid, gid: check.gid }), done);
      return;
    case "SMTP_CHECK":
      settle(smtpProbe(d), done);
      return;
    case "DNS_CHECK":
      settle(dnsProbe(d), done);
      return;
    case "UDP_CHECK":
      settle(udpProbe(d), done);
      return;
    case "PING_CHECK":
      echo ??= new LinuxIcmpEcho();
      settle(pingProbe(d, echo), done);
      return;
    case "HTTP_GET":
    case "SSL_GET":
      settle(httpProbe(d), done);
      return;
    default: {
      // Every kind has a case (the compiler says so); one added without would fail its runs, not stall them.
      const unknown: never = d;
      done(checkerError(new Error(`no probe for ${(unknown as { kind: string }).kind}`)));
    }
  }
}

export async function checkerMain(): Promise<never> {
  const write = (text: string) => process.stdout.write(text);
  const fail = (why: string): never => {
    process.stderr.write(`checker: ${why}\n`);
    process.exit(70);
  };
  process.on("uncaughtException", (e) => fail(`internal error: ${e.stack ?? e.message}`));
  process.on("unhandledRejection", (e) => fail(`internal error: ${(e as Error)?.stack ?? String(e)}`));
  const filter = new ReportFilter();
  const runner = new CheckRunner(
    probeOf,
    (report: CheckReport) => {
      if (filter.shouldSend(report, turnTimers.now())) write(encodeMessage({ type: "report", report }));
    },
    turnTimers,
  );
  // The heartbeat stays a timer on this loop, not a thread's: it proves the loop that runs the checks still turns,
  // which a beat from elsewhere could not. The runner starts checks a bounded batch per turn (start-pacer.ts), so a
  // busy checker still beats; one whose loop is really stuck goes silent and is replaced.
  setInterval(() => write(encodeMessage({ type: "beat" })), HEARTBEAT_MS);
  write(encodeMessage({ type: "beat" }));
  let pending = "";
  for await (const chunk of process.stdin) {
    pending += chunk.toString();
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const message = decodeToChecker(pending.slice(0, newline));
      if (message === null) fail(`malformed message from the daemon: ${pending.slice(0, Math.min(newline, 200))}`);
      else {
        filter.retain(new Set(message.checks.map((c) => c.key)));
        runner.plan(message.checks);
      }
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  runner.stop();
  process.exit(0);
}
