// keepalived's checker features converted in part 2 of issue #17: FILE_CHECK, log_all_failures, fast_recovery,
// the regex options and a virtual server's smtp_alert, each converted and loaded by vipd's loader.

import { expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import { formatFinding } from "../../src/convert/convert-context.ts";
import { convertKeepalived, type ConvertResult } from "../../src/convert/convert.ts";
import { formatDiagnostic } from "../../src/convert/types.ts";
import { memoryFs } from "./memory-fs.ts";

const FILE = "/etc/keepalived/keepalived.conf";

function convertAndLoad(text: string): { result: ConvertResult; toml: string; config: VipdConfig; warnings: string[] } {
  const result = convertKeepalived(FILE, { fs: memoryFs({ [FILE]: text }), configIds: [] });
  expect(result.errors.map(formatDiagnostic)).toEqual([]);
  const toml = result.toml!;
  const loaded = loadConfigText(toml, "converted.toml", { checkPrograms: false });
  if (!loaded.ok) throw new Error(`${loaded.errors.map(formatConfigError).join("\n")}\n--- TOML ---\n${toml}`);
  return { result, toml, config: loaded.config, warnings: result.findings.map((f) => formatFinding(f, "")) };
}

const service = (realServer: string, head = "") =>
  `virtual_server 192.0.2.10 80 {\n  protocol TCP\n${head}  real_server 198.51.100.1 80 {\n${realServer}  }\n}\n`;

test("FILE_CHECK: track_file and `weight W [reverse]`; one naming no track_file block is left out, as keepalived ignores it", () => {
  const trackFile = "track_file drain {\n  file /run/drain\n  weight 3 reverse\n}\n";
  const { config, toml, warnings, result } = convertAndLoad(
    trackFile +
      service("    FILE_CHECK {\n      track_file drain\n    }\n    FILE_CHECK {\n      track_file drain\n      weight -7\n    }\n"),
  );
  expect(warnings).toEqual([]);
  expect(result.lossy).toBe(false);
  expect(toml).toContain('[[virtual_servers."192.0.2.10:80".real_servers.FILE_CHECK]]\ntrack_file = "drain"\nweight = -7\n');
  expect(config.virtualServers[0]!.realServers[0]!.checks.map((c) => c.definition)).toEqual([
    { kind: "FILE_CHECK", trackFile: "drain", path: "/run/drain", weight: 3, reverse: true },
    { kind: "FILE_CHECK", trackFile: "drain", path: "/run/drain", weight: -7, reverse: false },
  ]);
  const unknown = convertAndLoad(service("    FILE_CHECK {\n      track_file nowhere\n    }\n"));
  expect(unknown.result.lossy).toBe(true);
  expect(unknown.warnings).toEqual([":4: FILE_CHECK: track_file nowhere not found: keepalived 2.2.7 ignores the checker, left out"]);
  expect(unknown.config.virtualServers[0]!.realServers[0]!.checks).toEqual([]);
});

test("log_all_failures (every kind), fast_recovery (HTTP) and global checker_log_all_failures convert as written", () => {
  const { config, warnings, result } = convertAndLoad(
    `global_defs {\n  checker_log_all_failures\n}\n${service(
      "    TCP_CHECK {\n      log_all_failures\n    }\n    HTTP_GET {\n      fast_recovery\n      log_all_failures false\n      url {\n        path /\n      }\n    }\n",
    )}`,
  );
  expect(warnings.filter((w) => !w.includes("higher_prio_send_advert") && !w.includes("shutdown_handover"))).toEqual([]);
  expect(result.lossy).toBe(false);
  expect(config.global.checkerLogAllFailures).toBe(true);
  const [tcp, http] = config.virtualServers[0]!.realServers[0]!.checks;
  expect(tcp!.logAllFailures).toBe(true);
  expect(http!.logAllFailures).toBe(false);
  expect(http!.definition).toMatchObject({ kind: "HTTP_GET", fastRecovery: true });
});

test("regex_options, regex_min_offset and regex_max_offset convert; refused options are lossy, regex_stack is dropped with a note", () => {
  const url = (lines: string) => service(`    HTTP_GET {\n      url {\n        path /\n${lines}      }\n    }\n`);
  const { config, warnings, result } = convertAndLoad(
    url(
      '        regex "ok"\n        regex_options caseless firstline\n        regex_min_offset 4\n        regex_max_offset 64\n        regex_stack 32768 1048576\n',
    ),
  );
  expect(result.lossy).toBe(false);
  expect(warnings).toEqual([":11: regex_stack: the PCRE2 JIT's stack size: vipd's JavaScript regular expressions need none, left out"]);
  const check = config.virtualServers[0]!.realServers[0]!.checks[0]!.definition;
  expect(check.kind === "HTTP_GET" && check.urls[0]!.regexOptions).toEqual({ flags: "i", minOffset: 4, maxOffset: 64, firstLine: true });

  const refused = convertAndLoad(url('        regex "ok"\n        regex_options ungreedy caseless nonsense\n'));
  expect(refused.result.lossy).toBe(true);
  expect(refused.warnings).toEqual([
    ":8: regex_options: not supported by vipd (the PCRE2 option ungreedy: JavaScript cannot swap the greediness of quantifiers; write lazy quantifiers (*?, +?) instead)",
    ":8: regex_options: 'nonsense' is no PCRE2 option keepalived knows: it ignores it, left out",
  ]);

  const ignored = convertAndLoad(url("        regex_min_offset 4\n        regex_no_match\n"));
  expect(ignored.warnings).toEqual([":5: url: regex_no_match, regex_min_offset without regex: keepalived 2.2.7 ignores them, left out"]);
  const crossed = convertAndLoad(url('        regex "ok"\n        regex_min_offset 9\n        regex_max_offset 8\n'));
  expect(crossed.warnings).toEqual([":5: url: regex_min_offset 9 is beyond regex_max_offset 8: keepalived 2.2.7 ignores both, left out"]);
});

test("a virtual server's smtp_alert converts (quorum mails), as written", () => {
  const { config, toml, result } = convertAndLoad(service("", "  smtp_alert\n"));
  expect(result.lossy).toBe(false);
  expect(toml).toContain('protocol = "tcp"\nsmtp_alert = true\n');
  expect(config.virtualServers[0]!.smtpAlert).toBe(true);
  expect(convertAndLoad(service("", "  smtp_alert off\n")).config.virtualServers[0]!.smtpAlert).toBe(false);
});
