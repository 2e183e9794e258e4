// Logging: one line per event, a scope per subsystem (`vrrp:VI_1`, `netlink`, `track`). Under journald each line
// starts with its syslog priority as `<N>` (journald strips it and files the line at that priority, so
// `journalctl -p warning` works) and carries no timestamp (journald stamps it); elsewhere a line starts with an ISO
// 8601 time. `--log-format json` writes one JSON object per line instead: time, level, scope, message.
// Debug and info lines go to stdout, warnings and errors to stderr.

import { fstatSync } from "node:fs";

export interface Log {
  /** false when debug lines go nowhere: a caller may then skip building them (11,000 at an IPVS start). */
  readonly debugging?: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogFactory = (scope: string) => Log;

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** syslog(3) priorities. */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = { debug: 7, info: 6, warn: 4, error: 3 };

export interface StreamLogOptions {
  /** Debug lines too. */
  verbose?: boolean;
  format?: LogFormat;
  /** journald reads the output (see underJournald): `<N>` prefixes, no timestamp in text lines. */
  journal?: boolean;
  /** The clock for timestamps (tests). */
  now?: () => Date;
  /** Where lines go (tests); default stdout for debug/info, stderr for warn/error. */
  write?: (level: LogLevel, line: string) => void;
}

function writeStd(level: LogLevel, line: string): void {
  (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
}

/** One formatted line, without its newline. */
export function formatLogLine(level: LogLevel, scope: string, message: string, options: StreamLogOptions, time: Date): string {
  const priority = options.journal ? `<${SYSLOG_PRIORITY[level]}>` : "";
  if (options.format === "json") return `${priority}${JSON.stringify({ time: time.toISOString(), level, scope, message })}`;
  const timestamp = options.journal ? "" : `${time.toISOString()} `;
  // journald files each line on its own: every line of a stack trace carries the priority too.
  const body = options.journal && message.includes("\n") ? message.replace(/\n/g, `\n${priority}`) : message;
  return `${priority}${timestamp}[${level}] [${scope}] ${body}`;
}

export function streamLogs(options: StreamLogOptions = {}): LogFactory {
  const write = options.write ?? writeStd;
  // Bun opens process.stdout / process.stderr on first use (a dup of fd 1 / 2, kept for life): opened now, the
  // first warning of a running daemon does not look like a descriptor leak to whoever watches its fd count.
  if (write === writeStd) void [process.stdout, process.stderr];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, scope: string, message: string) => write(level, formatLogLine(level, scope, message, options, now()));
  return (scope) => ({
    debugging: options.verbose === true,
    debug: (m) => {
      if (options.verbose) emit("debug", scope, m);
    },
    info: (m) => emit("info", scope, m),
    warn: (m) => emit("warn", scope, m),
    error: (m) => emit("error", scope, m),
  });
}

/**
 * Whether stderr is journald's stream: systemd sets JOURNAL_STREAM to its "DEVICE:INODE", and a process whose
 * stderr was redirected elsewhere (a pipe, a file) inherits the variable but not the stream.
 */
export function underJournald(env: Readonly<Record<string, string | undefined>>, stderrFd = 2): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (match === null) return false;
  try {
    const stat = fstatSync(stderrFd, { bigint: true });
    return stat.dev === BigInt(match[1]!) && stat.ino === BigInt(match[2]!);
  } catch {
    return false; // no stderr at all: certainly not the journal
  }
}

/** Collects lines in memory, as "LEVEL SCOPE: MESSAGE" (tests). */
export function memoryLogs(lines: string[]): LogFactory {
  return (scope) => ({
    debug: (m) => lines.push(`debug ${scope}: ${m}`),
    info: (m) => lines.push(`info ${scope}: ${m}`),
    warn: (m) => lines.push(`warn ${scope}: ${m}`),
    error: (m) => lines.push(`error ${scope}: ${m}`),
  });
}
