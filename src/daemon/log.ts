// Logging: one consola instance, a tag per subsystem (`vrrp:VI_1`, `netlink`, `track`). Plain lines without
// colours or decorations when not on a terminal, so journald gets one readable line per event.

import { createConsola } from "consola";

export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogFactory = (tag: string) => Log;

export function consolaLogs(options: { verbose?: boolean } = {}): LogFactory {
  const tty = Boolean(process.stdout.isTTY);
  const root = createConsola({
    level: options.verbose ? 4 : 3,
    fancy: tty,
    formatOptions: { colors: tty, date: !tty, compact: true },
  });
  return (tag) => {
    const tagged = root.withTag(tag);
    return {
      debug: (m) => tagged.debug(m),
      info: (m) => tagged.info(m),
      warn: (m) => tagged.warn(m),
      error: (m) => tagged.error(m),
    };
  };
}

/** Collects lines in memory (tests, and the status API's recent events). */
export function memoryLogs(lines: string[]): LogFactory {
  return (tag) => ({
    debug: (m) => lines.push(`debug ${tag}: ${m}`),
    info: (m) => lines.push(`info ${tag}: ${m}`),
    warn: (m) => lines.push(`warn ${tag}: ${m}`),
    error: (m) => lines.push(`error ${tag}: ${m}`),
  });
}
