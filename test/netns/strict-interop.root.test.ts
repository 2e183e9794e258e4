// vrrp_strict across implementations. keepalived's stock sample config (the one most copied: vrrp_strict with
// auth_type PASS, state MASTER at priority 100) on both nodes, keepalived running the original and vipd the file
// `vipd convert` made of it. keepalived ignores the password in strict mode and starts the instance as BACKUP;
// so must vipd, or each drops the other's adverts and both hold the VIP. Both run no-accept mode, so the
// master's VIP takes no ping from the client either.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIPS = ["192.0.2.116", "192.0.2.117", "192.0.2.118"];

/** The VRRP part of keepalived's packaged sample, on the lab's network. */
const SAMPLE = `! Configuration File for keepalived

global_defs {
   router_id LVS_DEVEL
   vrrp_skip_check_adv_addr
   vrrp_strict
   vrrp_garp_interval 0
   vrrp_gna_interval 0
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
${VIPS.map((v) => `        ${v}`).join("\n")}
    }
}
`;

let cluster: VipdCluster | null = null;
let keepalived: Keepalived | null = null;
afterEach(async () => {
  await keepalived?.stop();
  keepalived = null;
  await cluster?.destroy();
  cluster = null;
});

/** `vipd convert` of the sample must succeed (exit 0) and `vipd check` accept the result. */
function convert(c: VipdCluster): string {
  const source = join(c.lab.dir, "keepalived.conf");
  writeFileSync(source, SAMPLE);
  const run = Bun.spawnSync([vipdBinary(), "convert", source, "-o", c.configPath("vipd")], { stdout: "pipe", stderr: "pipe" });
  expect({ code: run.exitCode, stderr: run.stderr.toString() }).toEqual({ code: 0, stderr: expect.any(String) });
  const check = Bun.spawnSync([vipdBinary(), "check", "-c", c.configPath("vipd")], { stdout: "pipe", stderr: "pipe" });
  expect(check.exitCode).toBe(0);
  return run.stderr.toString();
}

function pingFromClient(c: VipdCluster, address: string): boolean {
  return c.lab.exec("client", ["ping", "-n", "-c", "1", "-W", "1", address], 5000).code === 0;
}

/** keepalived's log after reading its config (the sample's own `vrrp_garp_interval 0` is "invalid" to it). */
function runtimeLog(k: Keepalived): string {
  return k.log
    .split("\n")
    .filter((l) => !/\(Line \d+\)/.test(l))
    .join("\n");
}

function holders(c: VipdCluster): string[][] {
  return VIPS.map((v) => c.holders(v));
}

test("keepalived's stock sample with vrrp_strict: converted, it pairs with keepalived running the original, one master at a time", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"]);
  cluster = c;
  const warnings = convert(c);
  expect(warnings).toContain("strict mode: keepalived ignores authentication, left out");
  expect(warnings).toContain('strict mode: keepalived sets the state from the priority, written as "BACKUP"');

  keepalived = Keepalived.start(c.lab, "ka", "ka", SAMPLE);
  await keepalived.waitLog(/Entering MASTER STATE/, 10_000);
  expect(keepalived.log).toMatch(/Strict mode does not support authentication/);
  await c.start("vipd");
  await Bun.sleep(5000); // beyond Master_Down_Interval (3.6 s at priority 100)
  expect(await c.state("vipd")).toBe("BACKUP");
  expect((await c.status("vipd")).instances[0]!.drops).toEqual({});
  expect(holders(c)).toEqual([["ka"], ["ka"], ["ka"]]);
  expect(runtimeLog(keepalived)).not.toMatch(/invalid|mismatch|bogus|dropping/i);
  // Both in no-accept mode: keepalived's master drops the client's ping to its VIP.
  expect(pingFromClient(c, VIPS[0]!)).toBe(false);

  await keepalived.stop();
  keepalived = null;
  await c.waitState("vipd", "MASTER", 5000);
  expect(holders(c)).toEqual([["vipd"], ["vipd"], ["vipd"]]);
  expect(pingFromClient(c, VIPS[0]!)).toBe(false);
  expect(pingFromClient(c, c.lab.ipv4("vipd"))).toBe(true);

  // keepalived back with the same sample: equal priority from a lower address, so vipd stays master.
  keepalived = Keepalived.start(c.lab, "ka", "ka", SAMPLE);
  await keepalived.waitLog(/Entering BACKUP STATE/, 10_000);
  await Bun.sleep(5000);
  expect(keepalived.log).not.toMatch(/Entering MASTER STATE/);
  expect(runtimeLog(keepalived)).not.toMatch(/invalid|mismatch|bogus|dropping/i);
  expect(holders(c)).toEqual([["vipd"], ["vipd"], ["vipd"]]);
  await c.daemon("vipd").stop();
  expect(c.lab.must("vipd", ["nft", "list", "tables"]).trim()).toBe("");
}, 90_000);
