// Shared helpers for the config tests: load text with a fake file system and read results as strings.

import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigText, type LoadOptions, type LoadResult } from "../../src/config/load.ts";
import type { FileInfo, RealpathFn, StatFn } from "../../src/config/program-check.ts";
import type { VipdConfig } from "../../src/config/schema.ts";

export const FILE = "/etc/vipd/config.toml";

export const ROOT_DIR: FileInfo = { mode: 0o040755, uid: 0 };
export const ROOT_PROGRAM: FileInfo = { mode: 0o100755, uid: 0 };

/** A fake file system: the given files, and root-owned 0755 directories above them. */
export function fakeStat(files: Record<string, FileInfo>): StatFn {
  return (path) => {
    if (files[path]) return files[path]!;
    const dir = path.endsWith("/") ? path : `${path}/`;
    if (path === "/" || Object.keys(files).some((f) => f.startsWith(dir))) return ROOT_DIR;
    return null;
  };
}

/**
 * A fake file system with symbolic links (`links`: absolute path → absolute target): `stat` follows them, as
 * stat(2) does, `realpath` resolves every component, as realpath(3) does. Files and directories as in fakeStat.
 */
export function fakeFs(files: Record<string, FileInfo>, links: Record<string, string>): { stat: StatFn; realpath: RealpathFn } {
  const plain = fakeStat(files);
  // The directories holding links exist too.
  const linkDirs = new Set(
    Object.keys(links).flatMap((l) =>
      l
        .split("/")
        .slice(1, -1)
        .map((_, i, parts) => `/${parts.slice(0, i + 1).join("/")}`),
    ),
  );
  const exists = (path: string) => plain(path) ?? (linkDirs.has(path) ? ROOT_DIR : null);
  const realpath: RealpathFn = (path) => {
    let resolved = "";
    let rest = path.split("/").filter((c) => c !== "");
    for (let hops = 0; rest.length > 0; ) {
      const next = `${resolved}/${rest[0]}`;
      rest = rest.slice(1);
      const target = links[next];
      if (target === undefined) {
        if (!exists(next)) return null;
        resolved = next;
        continue;
      }
      if (++hops > 40) return null; // ELOOP
      rest = [...target.split("/").filter((c) => c !== ""), ...rest];
      resolved = "";
    }
    return resolved === "" ? "/" : resolved;
  };
  return {
    realpath,
    stat: (path) => {
      const real = realpath(path);
      return real === null ? null : exists(real);
    },
  };
}

/** Every path is a root-owned executable unless a test passes its own stat (directories are then not checked). */
const anyProgram: StatFn = () => ROOT_PROGRAM;
/** Without links, a path is its own real path. */
const noLinks: RealpathFn = (path) => path;

export function load(text: string, options: LoadOptions = {}): LoadResult {
  return loadConfigText(text, FILE, { stat: anyProgram, realpath: noLinks, searchPath: "/usr/bin:/bin", ...options });
}

export function loadOk(text: string, options: LoadOptions = {}): VipdConfig {
  const result = load(text, options);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join("\n"));
  return result.config;
}

export function errorsOf(text: string, options: LoadOptions = {}): string[] {
  const result = load(text, options);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

export function warningsOf(text: string, options: LoadOptions = {}): string[] {
  return load(text, options).warnings.map(formatConfigError);
}

/** A minimal valid instance, to add keys to. */
export function instance(name: string, extra = "", vrid = 51): string {
  return `[instances.${name}]\ninterface = "eth0"\nvirtual_router_id = ${vrid}\nvirtual_ipaddress = ["192.0.2.10/24"]\n${extra}`;
}
