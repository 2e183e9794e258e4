// The argument check every command runs first: what it accepts and what it refuses (with which suggestion).

import { expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { parseStrict } from "../../src/cli/strict-args.ts";

const ARGS: ArgsDef = {
  file: { type: "positional", required: false },
  config: { type: "string", alias: "c", default: "/etc/vipd/config.toml" },
  socket: { type: "string", alias: "s" },
  verbose: { type: "boolean", alias: "v" },
  "release-immediately": { type: "boolean" },
  "log-format": { type: "enum", options: ["text", "json"] },
};

const problem = (...raw: string[]) => {
  const parsed = parseStrict(ARGS, raw);
  return parsed.ok ? null : parsed.problem;
};

test("every spelling citty accepts is accepted", () => {
  for (const raw of [
    [],
    ["x.toml"],
    ["-c", "x.toml"],
    ["-cx.toml"],
    ["--config", "x.toml"],
    ["--config=x.toml"],
    ["-v", "-s", "/run/x.sock"],
    ["-vs", "/run/x.sock"],
    ["--verbose", "--no-verbose"],
    ["--release-immediately", "--releaseImmediately"],
    ["--log-format", "json", "--", "-file-with-a-dash.toml"],
  ])
    expect({ raw, problem: problem(...raw) }).toEqual({ raw, problem: null });
});

test("it reports which options were given and the positionals", () => {
  expect(parseStrict(ARGS, ["-v", "a.toml", "--config=b.toml"])).toEqual({
    ok: true,
    given: new Set(["verbose", "config"]),
    positionals: ["a.toml"],
  });
});

test("unknown options, missing values and stray arguments are refused with a suggestion", () => {
  expect(problem("-f", "x.toml")).toBe("unknown option -f (did you mean -c?)");
  expect(problem("--confg", "x.toml")).toBe("unknown option --confg (did you mean --config?)");
  expect(problem("--frobnicate")).toBe(
    "unknown option --frobnicate (the options are --config, --socket, --verbose, --release-immediately, --log-format)",
  );
  expect(problem("--no-config")).toBe("unknown option --no-config (did you mean --config?)");
  expect(problem("--verbose=yes", "--no-verbose=1")).toBe("unknown option --no-verbose (did you mean --verbose?)");
  expect(problem("--config")).toBe("option --config needs a value");
  expect(problem("-v", "-c")).toBe("option -c needs a value");
  expect(problem("-vx")).toMatch(/^unknown option -x \(did you mean -[a-z]\?\)$/);
  expect(problem("a.toml", "b.toml")).toBe("unexpected argument b.toml");
  expect(problem("a.toml", "verbose")).toBe("unexpected argument verbose (did you mean --verbose?)");
  expect(problem("--log-format", "jsn")).toBe("--log-format must be text or json, got jsn (did you mean json?)");
  expect(problem("--log-format=xml")).toBe("--log-format must be text or json, got xml");
  expect(parseStrict({ file: { type: "positional" } }, [])).toEqual({ ok: false, problem: "missing argument FILE" });
  expect(parseStrict({}, ["x"])).toEqual({ ok: false, problem: "unexpected argument x (it takes no arguments)" });
  expect(parseStrict({}, ["--x"])).toEqual({ ok: false, problem: "unknown option --x (it takes no options)" });
});
