// Shared helpers for the config tests: load text with a fake file system and read results as strings.

import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigText, type LoadOptions, type LoadResult } from "../../src/config/load.ts";
import type { FileInfo, StatFn } from "../../src/config/program-check.ts";
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

/** Every path is a root-owned executable unless a test passes its own stat (directories are then not checked). */
const anyProgram: StatFn = () => ROOT_PROGRAM;

export function load(text: string, options: LoadOptions = {}): LoadResult {
  return loadConfigText(text, FILE, { stat: anyProgram, searchPath: "/usr/bin:/bin", ...options });
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
