// An HTTP url's regex with keepalived's regex_options and offsets: flags, where a match may start (bytes), the
// first line only, and UTF-8 bodies whose offsets still count bytes.

import { describe, expect, test } from "bun:test";
import { type HttpUrl, NO_REGEX_OPTIONS } from "../../src/check/check-definition.ts";
import { regexMatches } from "../../src/check/probes/regex-match.ts";

const url = (regex: string, options: Partial<HttpUrl["regexOptions"]> = {}): HttpUrl => ({
  path: "/",
  statusCodes: [[200, 299]],
  digest: null,
  virtualhost: null,
  regex,
  regexNoMatch: false,
  regexOptions: { ...NO_REGEX_OPTIONS, ...options },
});
const matches = (regex: string, body: string, options: Partial<HttpUrl["regexOptions"]> = {}) =>
  regexMatches(url(regex, options), Buffer.from(body, "utf8"));

describe("regexMatches", () => {
  test("flags: caseless, multiline, dotall", () => {
    expect(matches("STATUS OK", "status ok")).toBe(false);
    expect(matches("STATUS OK", "status ok", { flags: "i" })).toBe(true);
    expect(matches("^ok$", "state\nok\n")).toBe(false);
    expect(matches("^ok$", "state\nok\n", { flags: "m" })).toBe(true);
    expect(matches("a.b", "a\nb")).toBe(false);
    expect(matches("a.b", "a\nb", { flags: "s" })).toBe(true);
  });

  test("a match must start within regex_min_offset .. regex_max_offset; lookbehind still sees what comes before", () => {
    const body = "ok....ok";
    expect(matches("ok", body, { minOffset: 1 })).toBe(true); // the second one, at 6
    expect(matches("ok", body, { minOffset: 7 })).toBe(false);
    expect(matches("ok", body, { minOffset: 1, maxOffset: 5 })).toBe(false);
    expect(matches("ok", body, { minOffset: 1, maxOffset: 6 })).toBe(true);
    expect(matches("ok", body, { maxOffset: 0 })).toBe(true);
    expect(matches("(?<=\\.)ok", body, { minOffset: 6 })).toBe(true);
  });

  test("firstline: the match starts on the body's first line (it may run over the newline)", () => {
    expect(matches("ok", "status\nok", { firstLine: true })).toBe(false);
    expect(matches("s\\nok", "status\nok", { firstLine: true })).toBe(true);
    expect(matches("ok", "ok", { firstLine: true })).toBe(true);
  });

  test("utf: the body is UTF-8 and offsets count its bytes", () => {
    expect(matches("^.ok", "éok")).toBe(false); // two bytes, two latin1 characters
    expect(matches("^.ok", "éok", { flags: "u" })).toBe(true);
    // "éé" is 4 bytes: "ok" starts at byte 4.
    expect(matches("ok", "ééok", { flags: "u", maxOffset: 3 })).toBe(false);
    expect(matches("ok", "ééok", { flags: "u", maxOffset: 4 })).toBe(true);
    expect(matches("ok", "ééok", { flags: "u", minOffset: 5 })).toBe(false);
    expect(matches("\\p{L}ok", "ééok", { flags: "u", minOffset: 2 })).toBe(true);
  });
});
