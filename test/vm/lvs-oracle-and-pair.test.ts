// keepalived as the oracle of vipd's IPVS table, on a real kernel (one VM boot): every load-balancing sample of the
// corpus, and vipd's own test/vm/fixtures/keepalived.conf.lvs-features, with the checkers (and the VRRP and global
// blocks) taken out so that every real server is up for both (oracle-samples.ts); keepalived 2.2.7's checker process
// runs the stripped file, vipd's reconciler the `vipd convert`ed TOML (test/vm/guest/lvs-oracle-agent.ts), and
// ipvsadm's listings of the two tables must be identical, but for the differences listed, with the kernel's reason,
// in test/vm/fixtures/oracle-differences.json.
// In the same boot, a director pair end to end (`vipd lab --lb`'s lab, test/vm/guest/director-pair.ts): the compiled vipd on two directors
// holds the VIP with VRRP and the NAT service in each one's IPVS table; the master dies and the client's new
// connections are served by the backup director.
// Fails (never skips) when the VM cannot run.
import { CHECK_BOUND_MS } from "../../src/lab/lb-network.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { LbLabResult } from "../../src/lab/lb-lab.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import differences from "./fixtures/oracle-differences.json";
import type { OracleTables } from "./guest/lvs-oracle-agent.ts";
import { type OracleSample, oracleSamples } from "./oracle-samples.ts";
import { runInVm } from "./runner.ts";

interface Difference {
  sample: string;
  listing: string;
  why: string;
}

// The guest sees the host's /tmp: the prepared files go there.
const scratch = mkdtempSync(join(tmpdir(), "vipd-oracle-"));
let samples: OracleSample[] = [];
let oracle: { results: Record<string, OracleTables>; phases: Record<string, number> };
let pair = {} as LbLabResult & { phases: Record<string, number> };

beforeAll(async () => {
  samples = oracleSamples(scratch);
  for (const s of samples) {
    writeFileSync(join(scratch, `${s.name}.conf`), s.keepalived);
    writeFileSync(join(scratch, `${s.name}.toml`), s.toml);
  }
  const names = samples.map((s) => s.name).join(" ");
  const root = join(import.meta.dir, "..", "..");
  const binary = join(scratch, "vipd");
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
  const run = await runInVm({
    command: [
      "modprobe ip_vs",
      "sh test/vm/guest/director-netns.sh oracle",
      `ip netns exec oracle node_modules/.bin/bun test/vm/guest/lvs-oracle-agent.ts ${scratch} ${names}`,
      `node_modules/.bin/bun test/vm/guest/director-pair.ts ${binary}`,
    ].join(" && "),
    cwd: root,
    timeoutMs: 360_000,
  });
  if (run.exitCode !== 0) throw new Error(`a guest agent exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
  const lines = run.stdout.split("\n").filter((l) => l.startsWith("{"));
  if (lines.length !== 2) throw new Error(`expected one JSON line from each agent, got ${lines.length}:\n${run.stdout}`);
  oracle = JSON.parse(lines[0] ?? "");
  pair = JSON.parse(lines[1] ?? "");
  console.log(
    `lvs oracle+pair vm: boot ${Math.round(run.bootMs)} ms, whole run ${Math.round(run.totalMs)} ms, oracle ${JSON.stringify(oracle.phases)}, pair ${JSON.stringify(pair.phases)}`,
  );
}, 420_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("every load-balancing sample of the corpus is in the oracle run, and vipd's own", () => {
  expect(samples.length).toBe(17);
  expect(samples.at(-1)?.name).toBe("keepalived.conf.lvs-features");
  expect(Object.keys(oracle.results).sort()).toEqual(samples.map((s) => s.name).sort());
});

test("keepalived set up a table for every sample: services and real servers (nothing refused)", () => {
  for (const [name, r] of Object.entries(oracle.results)) {
    expect({ name, services: /^-A /m.test(r.keepalived.save), servers: /^-a /m.test(r.keepalived.save) }).toEqual({
      name,
      services: true,
      servers: true,
    });
    expect({ name, refused: r.keepalivedLog.split("\n").filter((l) => /IPVS cmd .* error/.test(l)) }).toEqual({ name, refused: [] });
  }
});

test("vipd's table is keepalived's, listing by listing, but for the documented differences", () => {
  const documented = differences.differences as Difference[];
  const found: { sample: string; listing: string }[] = [];
  for (const [name, r] of Object.entries(oracle.results)) {
    for (const listing of Object.keys(r.keepalived) as (keyof typeof r.keepalived)[]) {
      if (r.keepalived[listing] !== r.vipd[listing]) found.push({ sample: name, listing });
    }
  }
  const undocumented = found.filter((f) => !documented.some((d) => d.sample === f.sample && d.listing === f.listing));
  const stale = documented.filter((d) => !found.some((f) => f.sample === d.sample && f.listing === d.listing));
  const show = (f: { sample: string; listing: string }) => {
    const r = oracle.results[f.sample];
    return `${f.sample} ${f.listing}:\n--- keepalived\n${r?.keepalived[f.listing as "save"]}--- vipd\n${r?.vipd[f.listing as "save"]}`;
  };
  expect(undocumented.map(show)).toEqual([]);
  expect(stale).toEqual([]);
});

test("vipd applied each sample without a refusal or a warning, and both left an empty table at stop", () => {
  for (const [name, r] of Object.entries(oracle.results)) {
    expect({ name, errors: r.vipdErrors, afterStop: r.afterStop }).toEqual({ name, errors: [], afterStop: { keepalived: "", vipd: "" } });
  }
});

test("the features sample's table, line by line (save format leaves thresholds out), as keepalived adjusts it", () => {
  const features = oracle.results["keepalived.conf.lvs-features"];
  expect(features?.vipd.timeouts.trim()).toBe("Timeout (tcp tcpfin udp): 1000 60 200");
  expect(oracle.results["keepalived.conf.sample"]?.vipd.timeouts.trim()).toBe("Timeout (tcp tcpfin udp): 900 120 300");
  const thresholds = oracle.results["keepalived.conf.lvs-features"]?.vipd.thresholds ?? "";
  expect(thresholds).toMatch(/-> 198\.51\.100\.2:80\s+100\s+10\s/);
  const save = oracle.results["keepalived.conf.lvs-features"]?.vipd.save.trim().split("\n").sort();
  expect(save).toEqual(
    [
      "-A -t 203.0.113.1:80 -s sh -p 60 -M 255.255.255.0 -b sh-fallback,sh-port",
      "-a -t 203.0.113.1:80 -r 198.51.100.2:80 -g -w 3",
      "-a -t 203.0.113.1:80 -r 198.51.100.3:80 -g -w 0",
      "-A -u 203.0.113.2:53 -s wlc -o",
      "-a -u 203.0.113.2:53 -r 198.51.100.4:53 -i -w 2 --tun-type ipip",
      "-A -t 203.0.113.3:443 -s mh -b mh-port",
      // quorum 10 is lowered to the total weight, 6, but is gained only at quorum + hysteresis, 7: the sorry
      // server serves although every real server is up (keepalived 2.2.7 does the same; vipd follows).
      "-a -t 203.0.113.3:443 -r 198.51.100.9:8443 -m -w 1",
      "-A --sctp-service [2001:db8::1]:80 -s wrr -p 360 -M 64",
      "-a --sctp-service [2001:db8::1]:80 -r [2001:db8:1::2]:80 -m -w 5",
      "-A -f 7 -s lc -p 30",
      "-a -f 7 -r 198.51.100.7:0 -g -w 1",
    ].sort(),
  );
});

test("director pair: d1 holds the VIP, both directors have the service in their own IPVS table, d1 serves", () => {
  expect(pair.vipBefore).toEqual({ d1: true, d2: false });
  const service = (t: string) => table(t);
  const expected = ["TCP 192.0.2.1:80 rr", "-> 198.51.100.21:80 Masq 1", "-> 198.51.100.22:80 Masq 1"];
  expect(service(pair.tableBefore.d1)).toEqual(expected);
  expect(service(pair.tableBefore.d2)).toEqual(expected);
  // rr over two real servers: each new connection goes to the other one.
  expect([...pair.before].sort()).toEqual(["r1", "r1", "r2", "r2"]);
  expect(pair.d2ConnsBefore).toBe(0);
});

test("director pair: HTTP_GET checks take a dead real server out (quorum lost: the sorry server serves) and bring it back", () => {
  expect(table(pair.checks.tableDown)).toEqual(["TCP 192.0.2.1:80 rr", "-> 198.51.100.22:8080 Masq 1"]);
  expect(pair.checks.whileDown).toEqual(["sorry", "sorry"]);
  expect(table(pair.checks.tableRestored)).toEqual(["TCP 192.0.2.1:80 rr", "-> 198.51.100.21:80 Masq 1", "-> 198.51.100.22:80 Masq 1"]);
  // Within delay_loop × (retry + 1) and the checks' deadlines on the host; the emulated VM runs code ≈ 12× slower.
  console.log(
    `checks in the VM: out after ${pair.checks.removedMs} ms, back after ${pair.checks.restoredMs} ms (host bound ${CHECK_BOUND_MS} ms)`,
  );
  expect(pair.checks.removedMs).toBeLessThan(10 * CHECK_BOUND_MS);
  expect(pair.logs.d1).toContain("HTTP_GET of 198.51.100.21:80 failed");
  expect(pair.logs.d1).toContain("HTTP_GET of 198.51.100.21:80 succeeded");
});

test("director pair: the master dies, the backup takes the VIP and serves every new connection", () => {
  expect(pair.vipAfter).toEqual({ d2: true });
  expect([...pair.after].sort()).toEqual(["r1", "r1", "r2", "r2"]);
  // Every connection after the failover went through d2's IPVS (the first that got through may have needed retries).
  expect(pair.d2ConnsAfter).toBeGreaterThanOrEqual(4);
  expect(pair.logs.d2).toContain("(VI_1) Entering MASTER STATE from BACKUP");
  // Master_Down_Interval at 1 s adverts is ≈ 3.6 s; the rest is the emulated machine (one curl ≈ 0.3 s).
  expect(pair.failoverMs).toBeLessThan(20_000);
});

test("director pair: the backup's vipd stops cleanly and removes its service", () => {
  expect(pair.d2Exit).toBe(0);
  expect(pair.tableAfterStop).toBe("");
});

/** `ipvsadm -Ln` service and destination lines, without the connection counters. */
function table(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === "TCP" || (w[0] === "->" && w[1] !== "RemoteAddress:Port"))
    .map((w) => (w[0] === "->" ? w.slice(0, 4) : w).join(" "));
}
