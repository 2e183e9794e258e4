// FILE_CHECK in [[virtual_servers.NAME.real_servers]]: it names a [track_files.NAME], takes the file's weight and
// reverse unless it gives a weight of its own, and a file read only by it is not "unused".

import { expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/config-error.ts";
import { errorsOf, FILE, load, loadOk } from "./helpers.ts";

const text = (trackFile: string, check: string) => `[track_files.drain]
file = "/run/vipd/drain"
${trackFile}
[virtual_servers.web]
address = "192.0.2.10"
port = 80
protocol = "tcp"
[[virtual_servers.web.real_servers]]
address = "198.51.100.1"
[[virtual_servers.web.real_servers.FILE_CHECK]]
${check}
`;

test("FILE_CHECK resolves its track file: the path, and the file's weight and reverse unless it has a weight of its own", () => {
  const checkOf = (t: string) => loadOk(t).virtualServers[0]!.realServers[0]!.checks[0]!.definition;
  expect(checkOf(text("weight = -3\nreverse = true", 'track_file = "drain"'))).toEqual({
    kind: "FILE_CHECK",
    trackFile: "drain",
    path: "/run/vipd/drain",
    weight: -3,
    reverse: true,
  });
  // keepalived: `weight 5` in FILE_CHECK comes with noreverse unless `reverse` follows it.
  expect(checkOf(text("weight = -3\nreverse = true", 'track_file = "drain"\nweight = 5'))).toMatchObject({ weight: 5, reverse: false });
  expect(checkOf(text("", 'track_file = "drain"\nweight = -2147483647\nreverse = true'))).toMatchObject({
    weight: -2147483647,
    reverse: true,
  });
});

test("a track file read only by a FILE_CHECK is not reported as unused", () => {
  const result = load(text("", 'track_file = "drain"'));
  expect(result.ok).toBe(true);
  expect(result.warnings.map(formatConfigError)).toEqual([]);
});

test("FILE_CHECK mistakes are errors at their line: an unknown track file, reverse without weight, a weight out of range", () => {
  expect(errorsOf(text("", 'track_file = "other"'))).toEqual([
    `${FILE}:11: virtual_servers.web.real_servers[0].FILE_CHECK[0].track_file: "other": no such [track_files.NAME]; defined: drain`,
  ]);
  expect(errorsOf(text("", 'track_file = "drain"\nreverse = true'))).toEqual([
    `${FILE}:12: virtual_servers.web.real_servers[0].FILE_CHECK[0].reverse: only with weight here (without it the track file's weight and reverse apply)`,
  ]);
  expect(errorsOf(text("", 'track_file = "drain"\nweight = 2147483648'))[0]).toContain("FILE_CHECK[0].weight");
  expect(errorsOf(text("", "weight = 1"))[0]).toContain("FILE_CHECK[0].track_file: missing");
  expect(errorsOf(text("", 'track_file = "drain"\ndelay_loop = 1'))[0]).toContain("FILE_CHECK[0].delay_loop: unknown key");
});
