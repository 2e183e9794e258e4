// Key paths as users read them in error messages: `instances.VI_1.virtual_ipaddress[2]`. Built the same way by
// the line scanner and by the validators, so a path found in one is looked up in the other.

export type PathSegment = string | number;

/** A TOML key that needs no quotes. */
export const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function formatKeyPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) out = extendKeyPath(out, segment);
  return out;
}

/** The path `prefix` (as formatKeyPath wrote it) one segment deeper. */
export function extendKeyPath(prefix: string, segment: PathSegment): string {
  if (typeof segment === "number") return `${prefix}[${segment}]`;
  const key = BARE_KEY.test(segment) ? segment : JSON.stringify(segment);
  return prefix === "" ? key : `${prefix}.${key}`;
}
