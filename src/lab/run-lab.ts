// `vipd lab` from start to end: checks that it can run before touching anything, builds the network, runs the
// election and the scenarios, prints the summary, and always removes what it made: on success, on error, on
// SIGINT/SIGTERM (then exits 130/143) and, as a last resort, at process exit (the lab builder's own exit hook).

import { nowMs } from "./clock.ts";
import { LabNetwork } from "./namespaces.ts";
import { labPrefix, makePlan, type LabOptions } from "./plan.ts";
import { Capture, Pinger } from "./probe.ts";
import { bold, formatHeader, formatSummary, type ScenarioResult, type Style } from "./report.ts";
import { RouterDaemon, selfCommand } from "./routers.ts";
import { runElection, runScenarios, SCENARIO_COUNT, type LabContext } from "./scenarios.ts";

export interface LabIo {
  out(text: string): void;
  err(text: string): void;
  style: Style;
}

/** What must hold before anything is created; each problem is one sentence for the user. */
export function preflight(options: LabOptions, uid: number | undefined = process.getuid?.()): string[] {
  const problems: string[] = [];
  if (uid !== 0) {
    problems.push("vipd lab must run as root: it creates network namespaces, a bridge and veth pairs (try: sudo vipd lab)");
    return problems;
  }
  const tools: Array<[string, string]> = [
    ["ip", "iproute2"],
    ["ping", "iputils-ping"],
    ["tcpdump", "tcpdump"],
  ];
  if (options.peer === "keepalived") tools.push(["keepalived", "keepalived"]);
  for (const [tool, pkg] of tools) {
    if (!Bun.which(tool))
      problems.push(`vipd lab needs \`${tool}\`, which is not on PATH (apt-get install ${pkg}, or scripts/install-deps.sh)`);
  }
  if (options.peer === "keepalived" && Bun.which("keepalived") && keepalivedVersion() === null) {
    problems.push("`keepalived --version` did not run: keepalived is needed for --peer keepalived");
  }
  return problems;
}

export function keepalivedVersion(): string | null {
  const r = Bun.spawnSync(["keepalived", "--version"], { stdout: "pipe", stderr: "pipe", timeout: 5000 });
  if (r.exitCode !== 0) return null;
  const text = `${r.stdout.toString()}${r.stderr.toString()}`;
  return text.match(/Keepalived v(\S+)/)?.[1] ?? "unknown version";
}

export async function runLab(options: LabOptions, io: LabIo): Promise<number> {
  const problems = preflight(options);
  if (problems.length > 0) {
    for (const p of problems) io.err(p);
    return 1;
  }
  const started = nowMs();
  const plan = makePlan(options, labPrefix(process.pid));
  const net = new LabNetwork(plan);
  let cleaning: Promise<void> | null = null;
  const cleanup = () => (cleaning ??= net.destroy());
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      // A second Ctrl-C: no more waiting on daemons, remove everything now.
      net.destroySync();
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    interrupted = signal;
    io.err(`\n${signal}: stopping the lab's processes and removing its namespaces...`);
    void cleanup().then(() => {
      io.err("lab removed");
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const results: ScenarioResult[] = [];
  try {
    net.build();
    const ctx: LabContext = {
      plan,
      net,
      capture: new Capture(net),
      pinger: new Pinger(net),
      daemons: plan.routers.map((r) => new RouterDaemon(r, net)),
      style: io.style,
      print: io.out,
    };
    io.out(
      formatHeader(io.style, plan, {
        command: selfCommand().join(" "),
        keepalivedVersion: options.peer === "keepalived" ? keepalivedVersion() : null,
      }),
    );
    await ctx.capture.start();
    io.out(`\n${bold(io.style, "election")}`);
    await runElection(ctx);
    await runScenarios(ctx, results);
    await ctx.pinger.stop();
    await ctx.capture.stop();
  } catch (error) {
    // After a signal, errors are the lab being torn down under the scenario's feet: not worth a word.
    if (!interrupted) io.err(`\nvipd lab: ${(error as Error).message}`);
  }
  // The signal handler owns the end of an interrupted run: it removes the lab and exits.
  if (interrupted) return new Promise<number>(() => {});
  await cleanup();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  io.out(`\n${formatSummary(io.style, results, nowMs() - started, SCENARIO_COUNT)}`);
  const ok = results.length === SCENARIO_COUNT && results.every((r) => r.verdict.pass);
  return ok ? 0 : 1;
}
