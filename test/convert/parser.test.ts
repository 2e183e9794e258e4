import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type ConfNode, type ParseOptions } from "../../src/convert/parser.ts";
import { formatDiagnostic, type ParseResult } from "../../src/convert/types.ts";
import { memoryFs } from "./memory-fs.ts";
import { KEEPALIVED_SAMPLES } from "../shared-corpus.ts";

const CORPUS = KEEPALIVED_SAMPLES;
const MAIN = "/etc/keepalived/keepalived.conf";

function nodesOf(r: ParseResult): ConfNode[] {
  if (!r.ok) throw new Error(r.errors.map(formatDiagnostic).join("\n"));
  return r.nodes;
}

/** Compact view: "keyword arg arg" with children nested below. */
function shape(nodes: ConfNode[]): unknown[] {
  return nodes.map((n) => {
    const head = [n.keyword, ...n.args].join(" ");
    return n.children === null ? head : { [head]: shape(n.children) };
  });
}

function parseText(text: string, extra: Record<string, string> = {}, options: ParseOptions = {}): ParseResult {
  return parseConfig(MAIN, { fs: memoryFs({ [MAIN]: text, ...extra }), ...options });
}

function child(node: ConfNode | undefined, keyword: string): ConfNode {
  const found = node?.children?.find((c) => c.keyword === keyword);
  if (!found) throw new Error(`no ${keyword}`);
  return found;
}

describe("keepalived sample corpus", () => {
  const samples = readdirSync(CORPUS)
    .filter((f) => f.startsWith("keepalived.conf."))
    .sort();

  test("the corpus is there", () => {
    expect(samples.length).toBe(25);
  });

  for (const name of samples) {
    test(`${name} parses without errors`, () => {
      const r = parseConfig(`${CORPUS}/${name}`);
      expect(r.ok ? [] : r.errors.map(formatDiagnostic)).toEqual([]);
      expect(nodesOf(r).length).toBeGreaterThan(0);
    });
  }

  test("keepalived.conf.vrrp structure", () => {
    const nodes = nodesOf(parseConfig(`${CORPUS}/keepalived.conf.vrrp`));
    const instances = nodes.filter((n) => n.keyword === "vrrp_instance");
    expect(instances.map((n) => n.args)).toEqual([["VI_1"], ["VI_2"], ["VI_3"], ["VI_4"]]);
    const vi1 = instances[0]!;
    expect(vi1.line).toBe(13);
    expect(vi1.file).toBe(`${CORPUS}/keepalived.conf.vrrp`);
    expect(shape([child(vi1, "authentication")])).toEqual([{ authentication: ["auth_type PASS", "auth_pass 1111"] }]);
    const vips = child(vi1, "virtual_ipaddress").children!;
    expect(vips.map((v) => v.keyword)).toEqual(["192.168.200.16", "192.168.200.17", "192.168.200.18", "192.168.200.18"]);
    expect(vips[3]!.args).toEqual(["label", "eth0:1"]);
    expect(vips[3]!.line).toBe(32);
    expect(child(vi1, "smtp_alert").args).toEqual([]);
    expect(shape([nodes[0]!])[0]).toEqual({
      global_defs: [
        { notification_email: ["acassen"] },
        "notification_email_from Alexandre.Cassen@firewall.loc",
        "smtp_server 192.168.200.1",
        "smtp_connect_timeout 30",
        "router_id LVS_DEVEL",
      ],
    });
  });

  test("keepalived.conf.conditional_conf without and with config id 'high'", () => {
    const file = `${CORPUS}/keepalived.conf.conditional_conf`;
    const none = nodesOf(parseConfig(file));
    expect(none.map((n) => n.keyword)).toEqual(["vrrp_script", "vrrp_instance"]);
    expect(shape([none[0]!])).toEqual([{ "vrrp_script check_VI_0": ["interval 1", "timeout 10", "rise 3", "fall 3"] }]);
    expect(none[1]!.children!.some((c) => c.keyword === "priority")).toBe(false);

    const high = nodesOf(parseConfig(file, { configIds: ["high"] }));
    expect(high.map((n) => [n.keyword, ...n.args].join(" "))).toEqual([
      "net_namespace high",
      "vrrp_script check_VI_0",
      "vrrp_instance VI_0",
    ]);
    const script = child(high[1], "script");
    expect(script.args).toEqual(["/etc/keepalived/scripts/check_high_VI_0.sh"]);
    expect(script.line).toBe(7);
    expect(high[2]!.children!.filter((c) => c.keyword === "priority").map((c) => c.args)).toEqual([["170"]]);
    expect(child(high[2], "track_interface").children!.map((c) => [c.keyword, ...c.args])).toEqual([["eth3"], ["eth2", "weight", "20"]]);
  });

  test("keepalived.conf.vrrp.rules keeps its typos as plain words", () => {
    const nodes = nodesOf(parseConfig(`${CORPUS}/keepalived.conf.vrrp.rules`));
    expect(shape([nodes[1]!])).toEqual([{ static_rules: ["from 192.168.100.0/24 table 1", "to 192.168.100./24 table 1"] }]);
    expect(shape([child(nodes[2], "virtual_rules")])).toEqual([
      { virtual_rules: ["from 192.168.200.0/24 table 2", "to 192.168.200./24 table 2"] },
    ]);
  });

  test("quoted notify scripts with arguments stay one word", () => {
    const nodes = nodesOf(parseConfig(`${CORPUS}/keepalived.conf.misc_check_arg`));
    const flat = JSON.stringify(nodes);
    expect(flat).toContain('"misc_path","args":["/usr/local/bin/script.sh arg1 arg2"]');
  });
});

describe("includes", () => {
  const files = {
    "/etc/keepalived/conf.d/20-b.conf": "b_kw 2\n",
    "/etc/keepalived/conf.d/10-a.conf": "a_kw 1\ninclude ../shared/*.inc\n",
    "/etc/keepalived/conf.d/.hidden.conf": "hidden_kw\n",
    "/etc/keepalived/conf.d/notes.txt": "txt_kw\n",
    "/etc/keepalived/shared/x.inc": "x_kw\n",
    "/etc/keepalived/shared/y.inc": "y_kw\n",
  };

  test("glob relative to the including file, sorted, dotfiles skipped, nested relative paths", () => {
    const nodes = nodesOf(parseText("first\ninclude conf.d/*.conf\nlast\n", files));
    expect(nodes.map((n) => n.keyword)).toEqual(["first", "a_kw", "x_kw", "y_kw", "b_kw", "last"]);
    expect(nodes[2]!.file).toBe("/etc/keepalived/shared/x.inc");
    expect(nodes[2]!.line).toBe(1);
    expect(nodes[4]!.file).toBe("/etc/keepalived/conf.d/20-b.conf");
    expect(nodes[5]!.line).toBe(3);
  });

  test("?, [...] and {a,b} patterns; an include may sit inside a block", () => {
    const nodes = nodesOf(parseText("blk {\n  include conf.d/[12]?-{b,a}.conf\n}\n", files));
    // Each brace alternative is matched and sorted on its own, as glob(3) with GLOB_BRACE does.
    expect(shape(nodes)).toEqual([{ blk: ["b_kw 2", "a_kw 1", "x_kw", "y_kw"] }]);
  });

  test("an include that matches nothing is a warning; includea makes it an error", () => {
    const lenient = parseText("include conf.d/*.nothing\nx\n", files);
    expect(shape(nodesOf(lenient))).toEqual(["x"]);
    expect(lenient.warnings.map(formatDiagnostic)).toEqual([`${MAIN}:1: include 'conf.d/*.nothing' matches no file`]);

    const strict = parseText("x\nincludea /etc/keepalived/missing.conf\n", files);
    expect(strict.ok).toBe(false);
    expect(!strict.ok && strict.errors.map(formatDiagnostic)).toEqual([
      `${MAIN}:2: includea '/etc/keepalived/missing.conf' matches no file`,
    ]);
  });

  test("include cycles are errors naming the including line", () => {
    const r = parseText("include a.conf\n", {
      "/etc/keepalived/a.conf": "a_kw\ninclude b.conf\n",
      "/etc/keepalived/b.conf": "\n\ninclude a.conf\n",
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map(formatDiagnostic)).toEqual([
      "/etc/keepalived/b.conf:3: include cycle: /etc/keepalived/a.conf -> /etc/keepalived/b.conf -> /etc/keepalived/a.conf",
    ]);
  });

  test("an include can be conditional or use a parameter (as keepalived 2.2.7 does)", () => {
    const text = "$DIR=shared\n@high include ${DIR}/x.inc\n@^high include ${DIR}/y.inc\n";
    expect(shape(nodesOf(parseText(text, files)))).toEqual(["y_kw"]);
    expect(shape(nodesOf(parseText(text, files, { configIds: ["high"] })))).toEqual(["x_kw"]);
  });
});

describe("the default node:fs file system", () => {
  test("reads real files and globs relative to the including file", () => {
    const dir = mkdtempSync(join(tmpdir(), "vipd-convert-"));
    try {
      mkdirSync(join(dir, "conf.d"));
      writeFileSync(join(dir, "main.conf"), "include conf.d/*.conf\nlast\n");
      writeFileSync(join(dir, "conf.d", "b.conf"), "b_kw\n");
      writeFileSync(join(dir, "conf.d", "a.conf"), "a_kw { include ../leaf.inc }\n");
      writeFileSync(join(dir, "leaf.inc"), "never_read\n");
      const r = parseConfig(join(dir, "main.conf"));
      // `include` is only recognised as a whole line, so inside a one-line block it is a keyword.
      expect(shape(nodesOf(r))).toEqual([{ a_kw: ["include ../leaf.inc"] }, "b_kw", "last"]);
      expect(nodesOf(r)[1]!.file).toBe(join(dir, "conf.d", "b.conf"));
      expect(r.warnings.map((w) => [w.file, w.line])).toEqual([[join(dir, "conf.d", "a.conf"), 1]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("parameters, conditions and loops in the tree", () => {
  test("$X= definitions, $X and ${X} uses, redefinition", () => {
    const nodes = nodesOf(parseText("$PRIO=150\n$IF=eth0\nvrrp_instance V${IF} {\n  priority $PRIO\n}\n$PRIO=90\np $PRIO\n"));
    expect(shape(nodes)).toEqual([{ "vrrp_instance Veth0": ["priority 150"] }, "p 90"]);
    expect(nodes[0]!.children![0]!.line).toBe(4);
  });

  test("multi-line definitions expand to several statements with definitions inside taking effect in order", () => {
    const text = [
      "$INST= \\",
      "vrrp_instance VI_${NUM} { \\",
      "    interface eth0.${NUM} \\",
      "    @high priority 130 \\",
      "    @low priority 120 \\",
      "    $NUM2=${NUM}0 \\",
      "    virtual_router_id $NUM2 \\",
      "}",
      "$NUM=1",
      "$INST",
      "$NUM=2",
      "$INST",
    ].join("\n");
    const r = parseText(text, {}, { configIds: ["low"] });
    expect(shape(nodesOf(r))).toEqual([
      { "vrrp_instance VI_1": ["interface eth0.1", "priority 120", "virtual_router_id 10"] },
      { "vrrp_instance VI_2": ["interface eth0.2", "priority 120", "virtual_router_id 20"] },
    ]);
    // Statements from an expansion carry the line of the use.
    expect(nodesOf(r)[1]!.children![2]!.line).toBe(12);
    expect(r.warnings).toEqual([]);
  });

  test("comment lines and blank lines do not end a multi-line definition", () => {
    const text = "$M= \\\n  a \\\n\n  # note\n  b\nafter\n$M\n";
    expect(shape(nodesOf(parseText(text)))).toEqual(["after", "a", "b"]);
  });

  test("a parameter can expand to a condition", () => {
    const text = "$IF_MAIN=@main\n$IF_MAIN priority 240\nkeep\n";
    expect(shape(nodesOf(parseText(text)))).toEqual(["keep"]);
    expect(shape(nodesOf(parseText(text, {}, { configIds: ["main"] })))).toEqual(["priority 240", "keep"]);
  });

  test("a conditional definition", () => {
    const text = "@main $P=240\n@^main $P=200\npriority $P\n";
    expect(shape(nodesOf(parseText(text, {}, { configIds: ["main"] })))).toEqual(["priority 240"]);
    expect(shape(nodesOf(parseText(text, {}, { configIds: ["backup", "other"] })))).toEqual(["priority 200"]);
  });

  test("an undefined parameter is kept as written, with a warning", () => {
    const r = parseText('vrrp_script s {\n  script "kill -0 $PID ok"\n}\n');
    expect(shape(nodesOf(r))).toEqual([{ "vrrp_script s": ["script kill -0 $PID ok"] }]);
    expect(r.warnings.map(formatDiagnostic)).toEqual([`${MAIN}:2: parameter 'PID' is not defined; '$PID' is left as written`]);
  });

  test("${_HASH} and ${_PWD} built-ins", () => {
    expect(shape(nodesOf(parseText("s ${_HASH}x ${_PWD}/c.sh # comment\n")))).toEqual(["s #x /etc/keepalived/c.sh"]);
  });

  test("~SEQ and nested ~LST produce one statement per value", () => {
    const text = "virtual_ipaddress {\n  ~SEQ(N, 1, 2, 5) 192.0.2.${N}/24\n  ~LST(D, a, b) ~SEQx(H, 9, 10) 2001:db8::${H} dev $D\n}\n";
    expect(shape(nodesOf(parseText(text)))).toEqual([
      {
        virtual_ipaddress: [
          "192.0.2.1/24",
          "192.0.2.3/24",
          "192.0.2.5/24",
          "2001:db8::9 dev a",
          "2001:db8::a dev a",
          "2001:db8::9 dev b",
          "2001:db8::a dev b",
        ],
      },
    ]);
  });

  test("a bad ~SEQ is an error with its line", () => {
    const r = parseText("a\n~SEQ(N, 1, 0, 3) x\n");
    expect(!r.ok && r.errors.map((e) => e.line)).toEqual([2]);
  });

  test("a self-referencing multi-line parameter stops with an error", () => {
    const r = parseText("$M= \\\nx \\\n$M\n$M\n");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.message).toContain("nested too deep");
  });
});

describe("syntax", () => {
  test("comments with # and ! in the middle of lines, quoted strings with spaces and #", () => {
    const text = 'global_defs { # main\n  router_id lb1! note\n  notify "/bin/n.sh #1 a b" root ! x\n}\n';
    expect(shape(nodesOf(parseText(text)))).toEqual([{ global_defs: ["router_id lb1", "notify /bin/n.sh #1 a b root"] }]);
  });

  test("one-line blocks and glued braces", () => {
    const text =
      "vrrp_instance VI_1{\n  authentication { auth_type PASS }\n  virtual_ipaddress {192.0.2.1/24 dev eth0 label eth0:1}\n  track_interface {\n    eth0 }}\n";
    expect(shape(nodesOf(parseText(text)))).toEqual([
      {
        "vrrp_instance VI_1": [
          { authentication: ["auth_type PASS"] },
          { virtual_ipaddress: ["192.0.2.1/24 dev eth0 label eth0:1"] },
          { track_interface: ["eth0"] },
        ],
      },
    ]);
  });

  test("several statements in a one-line block stay one statement, as keepalived reads them", () => {
    // keepalived 2.2.7 applies only `auth_type PASS` here and ignores the rest of the line.
    const nodes = nodesOf(parseText("authentication { auth_type PASS auth_pass 1111 }\n"));
    expect(shape(nodes)).toEqual([{ authentication: ["auth_type PASS auth_pass 1111"] }]);
  });

  test("'{' alone on the next line opens the block", () => {
    expect(shape(nodesOf(parseText("vrrp_instance X\n{\n  state BACKUP\n}\n")))).toEqual([{ "vrrp_instance X": ["state BACKUP"] }]);
  });

  test("a quoted brace is a word", () => {
    expect(shape(nodesOf(parseText('a "{" b\n')))).toEqual(["a { b"]);
  });

  test("empty input and empty blocks", () => {
    expect(nodesOf(parseText("# only a comment\n\n"))).toEqual([]);
    const [node] = nodesOf(parseText("static_routes {\n}\n"));
    expect(node!.children).toEqual([]);
  });
});

describe("errors", () => {
  test("an extra '}' names file and line", () => {
    const r = parseText("a {\n  b\n}\n}\nc\n");
    expect(!r.ok && r.errors.map(formatDiagnostic)).toEqual([`${MAIN}:4: unbalanced '}'`]);
  });

  test("a missing '}' names the unclosed '{'", () => {
    const r = parseText("a {\n  b {\n    c\n  }\n");
    expect(!r.ok && r.errors.map(formatDiagnostic)).toEqual([`${MAIN}:1: unbalanced '{': missing '}' before end of input`]);
  });

  test("errors in an included file name that file", () => {
    const r = parseText("x {\n  include inc.conf\n}\n", { "/etc/keepalived/inc.conf": "ok\n\n}\n" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map(formatDiagnostic)).toEqual(["/etc/keepalived/keepalived.conf:3: unbalanced '}'"]);
    const r2 = parseText("include inc.conf\n", { "/etc/keepalived/inc.conf": "ok\n\n}\n" });
    expect(!r2.ok && r2.errors.map(formatDiagnostic)).toEqual(["/etc/keepalived/inc.conf:3: unbalanced '}'"]);
    const r3 = parseText("include inc.conf\nz\n", { "/etc/keepalived/inc.conf": "blk {\n  a\n" });
    expect(!r3.ok && r3.errors.map(formatDiagnostic)).toEqual([
      "/etc/keepalived/inc.conf:1: unbalanced '{': missing '}' before end of input",
    ]);
  });

  test("an unreadable main file is an error, never a throw", () => {
    const r = parseConfig("/nope.conf", { fs: memoryFs({}) });
    expect(!r.ok && r.errors[0]!.file).toBe("/nope.conf");
    expect(!r.ok && r.errors[0]!.message).toContain("cannot read");
  });

  test("all errors are collected, warnings kept alongside", () => {
    const r = parseText('}\nx "open\n}\n');
    expect(!r.ok && r.errors.map((e) => e.line)).toEqual([1, 3]);
    expect(r.warnings.map((w) => w.line)).toEqual([2]);
  });
});
