import { describe, expect, test } from "bun:test";
import { applyConditional } from "../../src/convert/conditional.ts";
import { expandBraces } from "../../src/convert/glob.ts";
import { stripComment, tokenizeLine } from "../../src/convert/lexer.ts";
import { MacroTable, parseDefinition } from "../../src/convert/macros.ts";
import { parseLoops } from "../../src/convert/sequence.ts";
import { Diagnostics } from "../../src/convert/types.ts";

const ctx = { pwd: "/etc/keepalived", instance: "lb1", random: () => 0.5 };

function words(line: string): { texts: string[]; diags: Diagnostics } {
  const diags = new Diagnostics();
  const texts = tokenizeLine(line, "f.conf", 7, diags).map((t) => (t.kind === "word" ? t.text : `<${t.text}>`));
  return { texts, diags };
}

describe("stripComment", () => {
  test("# and ! end the line anywhere outside quotes", () => {
    expect(stripComment("priority 100 # main")).toBe("priority 100 ");
    expect(stripComment("inhibit_on_failure! note")).toBe("inhibit_on_failure");
    expect(stripComment("! whole line")).toBe("");
  });
  test("quoted # and ! are kept", () => {
    expect(stripComment('script "a # b ! c" x # gone')).toBe('script "a # b ! c" x ');
  });
});

describe("tokenizeLine", () => {
  test("braces glued to words are separate tokens", () => {
    expect(words("vrrp_instance VI_1{").texts).toEqual(["vrrp_instance", "VI_1", "<{>"]);
    expect(words("interface eth0}").texts).toEqual(["interface", "eth0", "<}>"]);
    expect(words("authentication { auth_type PASS }").texts).toEqual(["authentication", "<{>", "auth_type", "PASS", "<}>"]);
  });
  test("quoted strings keep spaces, # and braces verbatim", () => {
    const { texts, diags } = words('notify "/bin/n.sh a #1 {x}"  root');
    expect(texts).toEqual(["notify", "/bin/n.sh a #1 {x}", "root"]);
    expect(diags.warnings).toEqual([]);
  });
  test("a quoted brace is a word, not a block", () => {
    const toks = tokenizeLine('x "{"', "f", 1, new Diagnostics());
    expect(toks.map((t) => t.kind)).toEqual(["word", "word"]);
    expect(toks[1]!.quoted).toBe(true);
  });
  test("no escape processing inside quotes (as keepalived 2.2.7)", () => {
    expect(words('a "x\\ty"').texts).toEqual(["a", "x\\ty"]);
  });
  test("a quote inside a word splits it, with a warning", () => {
    const { texts, diags } = words('interface ab"c d"e');
    expect(texts).toEqual(["interface", "ab", "c d", "e"]);
    expect(diags.warnings.length).toBe(2);
    expect(diags.warnings[0]!.line).toBe(7);
  });
  test("an unterminated quote runs to end of line, with a warning", () => {
    const { texts, diags } = words('script "/bin/x arg');
    expect(texts).toEqual(["script", "/bin/x arg"]);
    expect(diags.warnings[0]!.message).toContain("unterminated quote");
  });
  test("tokens carry file and line", () => {
    const [tok] = tokenizeLine("x", "a/b.conf", 42, new Diagnostics());
    expect(tok).toEqual({ kind: "word", text: "x", quoted: false, file: "a/b.conf", line: 42 });
  });
});

describe("conditional lines", () => {
  const ids = new Set(["high"]);
  test("@id keeps the line only for an active id", () => {
    expect(applyConditional("@high\tpriority 170", ids)).toBe("priority 170");
    expect(applyConditional("  @low priority 85", ids)).toBeNull();
  });
  test("@^id keeps the line only when the id is not active", () => {
    expect(applyConditional("@^high 1.2.3.4", ids)).toBeNull();
    expect(applyConditional("@^low 1.2.3.5", ids)).toBe("1.2.3.5");
  });
  test("lines without @ pass unchanged", () => {
    expect(applyConditional("  state BACKUP", new Set())).toBe("  state BACKUP");
  });
});

describe("parameters", () => {
  test("definitions need $NAME= with no space before =", () => {
    expect(parseDefinition("  $PRIO=150")).toEqual({ name: "PRIO", value: "150", continued: false });
    expect(parseDefinition("$E=")).toEqual({ name: "E", value: "", continued: false });
    expect(parseDefinition("$M= \\")).toEqual({ name: "M", value: "", continued: true });
    expect(parseDefinition("$Z =x")).toBeNull();
    expect(parseDefinition("$1X=x")).toBeNull();
  });
  test("$NAME before whitespace or end, ${NAME} anywhere", () => {
    const m = new MacroTable();
    m.define("X", "hello");
    expect(m.substitute("a $X b ${X}tail $X", ctx).text).toBe("a hello b hellotail hello");
    expect(m.substitute("$X}x $Xy", ctx).text).toBe("$X}x $Xy");
  });
  test("substitution is recursive and late-bound", () => {
    const m = new MacroTable();
    m.define("BASE", "10.2.${SUB}");
    m.define("SUB", "0");
    expect(m.substitute("${BASE}.100/32", ctx).text).toBe("10.2.0.100/32");
    m.define("SUB", "10");
    expect(m.substitute("${BASE}.100/32", ctx).text).toBe("10.2.10.100/32");
  });
  test("undefined names are reported and left as written", () => {
    const r = new MacroTable().substitute("echo $HOME ${NOPE}x", ctx);
    expect(r.text).toBe("echo $HOME ${NOPE}x");
    expect(r.undefined.sort()).toEqual(["HOME", "NOPE"]);
  });
  test("self reference is detected, not looped forever", () => {
    const m = new MacroTable();
    m.define("X", "$X $X");
    expect(m.substitute("$X", ctx).runaway).toBe(true);
  });
  test("built-ins", () => {
    const m = new MacroTable();
    expect(m.substitute("${_PWD}/s.sh ${_INSTANCE} ${_HASH}${_BANG}", ctx).text).toBe("/etc/keepalived/s.sh lb1 #!");
    expect(m.substitute("${_RANDOM 10 20}", ctx).text).toBe("15");
  });
});

describe("~SEQ and ~LST", () => {
  const values = (line: string): string[][] => {
    const r = parseLoops(line);
    if (!r.ok) throw new Error(r.message);
    return r.loops.map((l) => l.rows.map((row) => row.join(",")));
  };
  test("start, step, end forms", () => {
    expect(values("~SEQ(S, 0, 3) x")).toEqual([["0", "1", "2", "3"]]);
    expect(values("~SEQ(S, 5, -2, 0) x")).toEqual([["5", "3", "1"]]);
    expect(values("~SEQ(S, 3) x")).toEqual([["1", "2", "3"]]);
    expect(values("~SEQ(S, -2) x")).toEqual([["-1", "-2"]]);
    expect(values("~SEQ(S, 0) x")).toEqual([["1", "0"]]);
  });
  test("~SEQx formats in hex and accepts hex", () => {
    expect(values("~SEQx(A, 0x90, 0x10, 0xc0) x")).toEqual([["90", "a0", "b0", "c0"]]);
  });
  test("~LST with single and grouped variables, nested prefixes", () => {
    const r = parseLoops("~LST({IP, IP1}, {10,1},{20,4}) ~SEQ(N, 1, 2) 192.${IP}.${IP1}.$N");
    expect(r.ok && r.loops.map((l) => l.vars)).toEqual([["IP", "IP1"], ["N"]]);
    expect(r.ok && r.loops[0]!.rows).toEqual([
      ["10", "1"],
      ["20", "4"],
    ]);
    expect(r.ok && r.rest).toBe(" 192.${IP}.${IP1}.$N");
  });
  test("bad specs are reported", () => {
    expect(parseLoops("~SEQ(S, 1, 0, 5) x").ok).toBe(false);
    expect(parseLoops("~SEQ(S, one) x").ok).toBe(false);
    expect(parseLoops("~SEQ(S, 3 x").ok).toBe(false);
  });
});

describe("brace expansion for include patterns", () => {
  test("nested alternatives in order", () => {
    expect(expandBraces("{foo/{,cat,dog},bar}")).toEqual(["foo/", "foo/cat", "foo/dog", "bar"]);
    expect(expandBraces("a{x}b")).toEqual(["a{x}b"]);
  });
});
