// An HTTP url's regex_options, regex_min_offset and regex_max_offset: keepalived 2.2.7's PCRE2 options as
// JavaScript regular expressions. An option is a JavaScript flag where there is one, is how JavaScript behaves
// anyway, only tunes PCRE2's search without changing what matches, or is refused with the reason: none is
// accepted and left without its effect. keepalived's regex_stack (the PCRE2 JIT's stack) has no counterpart and
// no key: JavaScript's engine needs none.

import { type HttpUrl, REGEX_WINDOW } from "../check/check-definition.ts";
import type { TableReader } from "./table-reader.ts";

export const REGEX_KEYS = ["regex_options", "regex_min_offset", "regex_max_offset"];

/** PCRE2 options with a JavaScript flag. */
const FLAGS: Record<string, string> = { caseless: "i", multiline: "m", dotall: "s", utf: "u" };
/** How JavaScript's expressions behave without any flag. */
const JAVASCRIPT_ALREADY = ["dollar_endonly", "allow_empty_class", "alt_bsux", "match_unset_backref", "alt_circumflex"];
/**
 * Options that never change whether a body matches: search optimisations, features keepalived never sets up
 * (callouts, an offset limit), syntax JavaScript has none of (verbs, (*UTF)), captures the check never reads.
 */
const NO_CHANGE_TO_MATCHING = [
  "no_auto_possess",
  "no_start_optimize",
  "no_dotstar_anchor",
  "auto_callout",
  "use_offset_limit",
  "alt_verbnames",
  "never_utf",
  "never_ucp",
  "no_auto_capture",
  "dupnames",
];
/** Emulated by the probe (src/check/probes/regex-match.ts). */
const EMULATED = ["firstline", "never_backslash_c"];
export const REFUSED_REGEX_OPTIONS: Record<string, string> = {
  extended: "JavaScript has no extended mode (whitespace and # comments in the pattern); write the pattern without them",
  ungreedy: "JavaScript cannot swap the greediness of quantifiers; write lazy quantifiers (*?, +?) instead",
  ucp: "JavaScript's \\d, \\w and \\b stay ASCII; write Unicode properties (\\p{L}) with utf instead",
};
export const REGEX_OPTIONS = [
  ...Object.keys(FLAGS),
  ...JAVASCRIPT_ALREADY,
  ...NO_CHANGE_TO_MATCHING,
  ...EMULATED,
  ...Object.keys(REFUSED_REGEX_OPTIONS),
];

/** Reads the options of the url table `u` whose regex is `regex` (null: none, so the options are errors). */
export function readRegexOptions(u: TableReader, regex: string | null): HttpUrl["regexOptions"] {
  let flags = "";
  let firstLine = false;
  let noBackslashC = false;
  for (const { value, path } of u.stringList("regex_options", "PCRE2 option names")) {
    if (value in FLAGS) flags += flags.includes(FLAGS[value]!) ? "" : FLAGS[value];
    else if (value in REFUSED_REGEX_OPTIONS) u.problems.error(path, `${JSON.stringify(value)}: ${REFUSED_REGEX_OPTIONS[value]}`);
    else if (value === "firstline") firstLine = true;
    else if (value === "never_backslash_c") noBackslashC = true;
    else if (!JAVASCRIPT_ALREADY.includes(value) && !NO_CHANGE_TO_MATCHING.includes(value)) {
      u.problems.error(path, `${JSON.stringify(value)} is not a PCRE2 option keepalived knows; one of ${REGEX_OPTIONS.join(", ")}`);
    }
  }
  const minOffset = u.int(
    "regex_min_offset",
    0,
    REGEX_WINDOW - 1,
    0,
    `a byte offset from 0 to ${REGEX_WINDOW - 1} (vipd searches the body's first MiB)`,
  );
  const maxOffset = u.optInt(
    "regex_max_offset",
    0,
    REGEX_WINDOW - 1,
    `a byte offset from 0 to ${REGEX_WINDOW - 1} (vipd searches the body's first MiB)`,
  );
  if (maxOffset !== null && minOffset > maxOffset)
    u.problems.error(u.at("regex_min_offset"), `must not be above regex_max_offset (${maxOffset})`);
  if (regex === null) {
    for (const key of REGEX_KEYS) if (u.has(key)) u.problems.error(u.at(key), "needs regex");
  } else if (noBackslashC && hasEscape(regex, "C")) {
    u.problems.error(u.at("regex"), "contains \\C, which never_backslash_c forbids");
  }
  return { flags, minOffset, maxOffset, firstLine };
}

/** Whether `pattern` has the escape backslash-`letter` (an escaped backslash before the letter does not count). */
function hasEscape(pattern: string, letter: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== "\\") continue;
    if (pattern[i + 1] === letter) return true;
    i++;
  }
  return false;
}
