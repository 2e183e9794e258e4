// Logging: one consola instance, a tag per subsystem (`vrrp:VI_1`, `netlink`, `track`): plain lines without
// colours or decorations, so journald gets one readable line per event. consola's basic build, because the
// full one (fancy reporter, its string-width tables) costs the daemon about 7 MB of resident memory.

import { createConsola } from "consola/basic";

export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogFactory = (tag: string) => Log;

export function consolaLogs(options: { verbose?: boolean } = {}): LogFactory {
  const root = createConsola({
    level: options.verbose ? 4 : 3,
    formatOptions: { colors: false, date: false, compact: true },
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
