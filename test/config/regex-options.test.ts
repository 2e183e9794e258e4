// regex_options, regex_min_offset and regex_max_offset of an HTTP url: PCRE2's options as JavaScript flags, the
// ones JavaScript cannot do refused by name, offsets checked; regex_stack has no key in vipd.

import { expect, test } from "bun:test";
import type { HttpCheck } from "../../src/check/check-definition.ts";
import { errorsOf, FILE, loadOk } from "./helpers.ts";

const withUrl = (url: string) => `[virtual_servers.web]
address = "192.0.2.10"
port = 80
protocol = "tcp"
[[virtual_servers.web.real_servers]]
address = "198.51.100.1"
[[virtual_servers.web.real_servers.HTTP_GET]]
[[virtual_servers.web.real_servers.HTTP_GET.url]]
path = "/"
${url}
`;
const optionsOf = (url: string) =>
  (loadOk(withUrl(url)).virtualServers[0]!.realServers[0]!.checks[0]!.definition as HttpCheck).urls[0]!.regexOptions;

test("flags where JavaScript has them; options JavaScript behaves as anyway, or that never change a match, add none", () => {
  expect(optionsOf('regex = "ok"\nregex_options = ["caseless", "multiline", "dotall", "utf", "caseless"]')).toEqual({
    flags: "imsu",
    minOffset: 0,
    maxOffset: null,
    firstLine: false,
  });
  expect(
    optionsOf('regex = "ok"\nregex_options = ["dollar_endonly", "alt_bsux", "no_start_optimize", "auto_callout", "firstline"]'),
  ).toEqual({ flags: "", minOffset: 0, maxOffset: null, firstLine: true });
  expect(optionsOf('regex = "ok"\nregex_min_offset = 10\nregex_max_offset = 20')).toMatchObject({ minOffset: 10, maxOffset: 20 });
});

test("options JavaScript cannot do are refused with the reason, at their own line; so are unknown ones", () => {
  expect(errorsOf(withUrl('regex = "ok"\nregex_options = ["extended", "ungreedy", "ucp", "utf8"]'))).toEqual([
    `${FILE}:11: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].regex_options[0]: "extended": JavaScript has no extended mode (whitespace and # comments in the pattern); write the pattern without them`,
    `${FILE}:11: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].regex_options[1]: "ungreedy": JavaScript cannot swap the greediness of quantifiers; write lazy quantifiers (*?, +?) instead`,
    `${FILE}:11: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].regex_options[2]: "ucp": JavaScript's \\d, \\w and \\b stay ASCII; write Unicode properties (\\p{L}) with utf instead`,
    expect.stringContaining('regex_options[3]: "utf8" is not a PCRE2 option keepalived knows; one of caseless, multiline'),
  ]);
});

test("the regex compiles with its flags; offsets need a regex, in order, within the first MiB; never_backslash_c refuses \\C", () => {
  expect(errorsOf(withUrl('regex = "\\\\q"\nregex_options = ["utf"]'))[0]).toContain("url[0].regex: is not a valid regular expression");
  expect(errorsOf(withUrl("regex_min_offset = 3"))).toEqual([
    `${FILE}:10: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].regex_min_offset: needs regex`,
  ]);
  expect(errorsOf(withUrl('regex = "ok"\nregex_min_offset = 5\nregex_max_offset = 4'))).toEqual([
    `${FILE}:11: virtual_servers.web.real_servers[0].HTTP_GET[0].url[0].regex_min_offset: must not be above regex_max_offset (4)`,
  ]);
  expect(errorsOf(withUrl('regex = "ok"\nregex_max_offset = 1048576'))[0]).toContain("vipd searches the body's first MiB");
  expect(errorsOf(withUrl('regex = "a\\\\Cb"\nregex_options = ["never_backslash_c"]'))[0]).toContain(
    "contains \\C, which never_backslash_c forbids",
  );
  expect(errorsOf(withUrl('regex = "a\\\\\\\\Cb"\nregex_options = ["never_backslash_c"]'))).toEqual([]);
  expect(errorsOf(withUrl('regex = "ok"\nregex_stack = [1024, 4096]'))[0]).toContain("regex_stack: unknown key");
});
