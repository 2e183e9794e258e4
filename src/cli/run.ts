// `vipd run [FILE]`: the daemon. SIGTERM/SIGINT stop it (a MASTER hands its VIPs over, or releases them at once with
// --release-immediately); exit 0 once everything is released.

import { type ArgsDef, defineCommand } from "citty";
import { keepOnlyCapabilities } from "../adapters/linux/capabilities.ts";
import { linuxHostAdapters } from "../adapters/linux/host-adapters.ts";
import { DaemonStartError, startDaemon } from "../daemon/daemon.ts";
import { LOG_FORMATS, streamLogs, underJournald, type LogFormat } from "../daemon/log.ts";
import { dropPrivileges } from "../daemon/privileges.ts";
import { restartUnderRuntimeSettings } from "../daemon/runtime-restart.ts";
import { linuxNotifyHost } from "../adapters/linux/notify-socket.ts";
import { realTimers } from "../clock/timers.ts";
import { startWatchdog, SystemdNotifier, takeSystemdEnv, watchdogIntervalMs } from "../systemd/notify.ts";
import { DEFAULT_CONFIG } from "./check.ts";
import { configFileOf } from "./strict-args.ts";
import { collectGarbage } from "../daemon/collect-garbage.ts";
import { IdleCollection } from "../daemon/idle-collection.ts";
import { runCommand } from "../process/run-command.ts";

export const DEFAULT_SOCKET = "/run/vipd/vipd.sock";

const runArgs = {
  file: { type: "positional", description: "the configuration file (the same as --config)", required: false },
  config: { type: "string", alias: "c", description: "the configuration file", default: DEFAULT_CONFIG },
  socket: {
    type: "string",
    alias: "s",
    description: "the status socket (one daemon per socket: a second one refuses to start)",
    default: DEFAULT_SOCKET,
  },
  verbose: { type: "boolean", alias: "v", description: "debug logging", default: false },
  "log-format": {
    type: "enum",
    options: [...LOG_FORMATS],
    description: "text lines, or one JSON object per line (time, level, scope, message)",
    default: "text",
  },
  "release-immediately": {
    type: "boolean",
    description: "on stop, release the VIPs at once as keepalived does (default: keep them until the new master speaks)",
  },
} satisfies ArgsDef;

export const run = defineCommand({
  meta: { name: "run", description: "run the daemon" },
  args: runArgs,
  async run({ args, rawArgs }) {
    const configPath = configFileOf("run", args, rawArgs, runArgs);
    restartUnderRuntimeSettings(configPath);
    const logs = streamLogs({ verbose: args.verbose, format: args["log-format"] as LogFormat, journal: underJournald(process.env) });
    const log = logs("vipd");
    // Read before anything starts a script: the variables are taken out of the environment scripts inherit.
    const systemdEnv = takeSystemdEnv(process.env);
    const systemd = SystemdNotifier.open(systemdEnv, linuxNotifyHost, logs("systemd"));
    // Script runs leave garbage the GC timer finds late: a full collection every few runs, away from any deadline.
    let nextDeadline = () => Infinity;
    const idleCollection = new IdleCollection({ timers: realTimers, nextDeadline: () => nextDeadline(), collect: collectGarbage });
    let daemon: Awaited<ReturnType<typeof startDaemon>>;
    try {
      daemon = await startDaemon(
        {
          configPath,
          socketPath: args.socket,
          handover: args["release-immediately"] ? false : undefined,
          // EX_SOFTWARE: the supervisor restarts a daemon that gave up on an internal error.
          onFatal: () => process.exit(70),
          onStatus: (summary) => systemd.status(summary),
        },
        { adapters: linuxHostAdapters, logs, runner: idleCollection.counting(runCommand) },
      );
    } catch (error) {
      const problems = error instanceof DaemonStartError ? error.problems : [(error as Error).stack ?? String(error)];
      for (const problem of problems) process.stderr.write(`${problem}\n`);
      process.stderr.write("vipd: not started\n");
      process.exit(1);
    }
    const running = daemon;
    nextDeadline = () => running.node.nextDeadline();
    // Everything that needs more than the daemon's own capabilities is open by now (and nothing does, see
    // src/daemon/privileges.ts); reloads open new sockets with what is kept.
    dropPrivileges(keepOnlyCapabilities, logs("privileges"));
    systemd.ready();
    collectGarbage();
    // The watchdog keeps pinging through a stop too: a handover may take longer than WatchdogSec.
    const watchdogMs = watchdogIntervalMs(systemdEnv, process.pid, logs("systemd"));
    if (watchdogMs !== null) startWatchdog(systemd, watchdogMs, realTimers);
    let stopping = false;
    const shutdown = (signal: string) => {
      log.info(`${signal} received`);
      stopping = true;
      idleCollection.stop();
      systemd.stopping();
      void running.stop().then(() => process.exit(0));
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    // A bug that escaped every handler leaves the daemon in a state nobody checked: it never goes on as if
    // nothing happened. It sends priority 0, releases its VIPs and exits non-zero; the supervisor restarts it.
    const fatal = (error: unknown) => {
      log.error(`internal error: ${(error as Error)?.stack ?? error}`);
      systemd.stopping();
      void running.fail(error);
    };
    process.on("uncaughtException", fatal);
    process.on("unhandledRejection", fatal);
    process.on("SIGHUP", () => {
      log.info(`SIGHUP received: reloading ${configPath}`);
      if (stopping) return void running.reload(); // refused while stopping; systemd already heard STOPPING=1
      systemd.reloading();
      running.reload();
      // Done either way: a file that does not load leaves the daemon running on the previous one.
      systemd.ready();
      collectGarbage();
    });
  },
});
