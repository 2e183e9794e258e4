// The converter's promise, proven on the wire: a keepalived.conf converted by `vipd convert`, checked by
// `vipd check` and run by vipd on one node interoperates with the original run by keepalived on the other.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";

/** What a keepalived user has on each node: the same instance, different priority and state. */
function keepalivedConf(state: "MASTER" | "BACKUP", priority: number): string {
  return `! node configuration as keepalived users write it
global_defs {
   router_id node_${priority}
   vrrp_garp_master_delay 1
}

vrrp_script chk_true {
   script "/bin/true"
   interval 1
   fall 2
   rise 2
}

vrrp_instance VI_1 {
    state ${state}
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret!
    }
    virtual_ipaddress {
        ${VIP}/24 dev eth0 label eth0:vip
    }
    track_script {
        chk_true
    }
}
`;
}

let cluster: VipdCluster | null = null;
let keepalived: Keepalived | null = null;
afterEach(async () => {
  await keepalived?.stop();
  keepalived = null;
  await cluster?.destroy();
  cluster = null;
});

function convertAndCheck(c: VipdCluster, host: string, conf: string): void {
  const source = join(c.lab.dir, `${host}-keepalived.conf`);
  writeFileSync(source, conf);
  const convert = Bun.spawnSync([vipdBinary(), "convert", source, "-o", c.configPath(host)], { stdout: "pipe", stderr: "pipe" });
  expect({ code: convert.exitCode, stderr: convert.stderr.toString() }).toEqual({ code: 0, stderr: expect.any(String) });
  const check = Bun.spawnSync([vipdBinary(), "check", "-c", c.configPath(host)], { stdout: "pipe", stderr: "pipe" });
  expect({ code: check.exitCode, stdout: check.stdout.toString().trim() }).toEqual({
    code: 0,
    stdout: `${c.configPath(host)}: valid (1 instance, 0 sync groups, 1 script)`,
  });
}

test("keepalived MASTER with the original, vipd BACKUP with the converted file: one master, no drops, takeover on stop", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"], false);
  cluster = c;
  convertAndCheck(c, "vipd", keepalivedConf("BACKUP", 100));
  keepalived = Keepalived.start(c.lab, "ka", "ka", keepalivedConf("MASTER", 150));
  await keepalived.waitLog(/Entering MASTER STATE/, 10_000);
  await c.start("vipd");
  await Bun.sleep(4000); // longer than Master_Down_Interval (3.6 s at priority 100)
  const status = await c.status("vipd");
  expect(status.instances[0]).toMatchObject({ state: "BACKUP", master: c.lab.ipv4("ka"), drops: {} });
  expect(c.holders(VIP)).toEqual(["ka"]);
  expect(keepalived.log).not.toMatch(/invalid|mismatch|bogus|dropping/i);
  // keepalived stops: it sends priority 0, vipd takes over after its skew time.
  await keepalived.stop();
  keepalived = null;
  await c.waitState("vipd", "MASTER", 2000);
  expect(c.holders(VIP)).toEqual(["vipd"]);
  expect(
    c.lab
      .addrs("vipd")
      .flatMap((l) => l.addr_info)
      .find((a) => a.local === VIP)?.label,
  ).toBe("eth0:vip");
}, 60_000);

test("vipd MASTER with the converted file, keepalived BACKUP with the original: keepalived follows vipd", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"], false);
  cluster = c;
  convertAndCheck(c, "vipd", keepalivedConf("MASTER", 150));
  await c.start("vipd");
  keepalived = Keepalived.start(c.lab, "ka", "ka", keepalivedConf("BACKUP", 100));
  await keepalived.waitLog(/Entering BACKUP STATE/, 10_000);
  await c.waitState("vipd", "MASTER", 10_000);
  await Bun.sleep(4000);
  expect(keepalived.log).not.toMatch(/Entering MASTER STATE/);
  expect(keepalived.log).not.toMatch(/invalid|mismatch|bogus|dropping/i);
  expect(c.holders(VIP)).toEqual(["vipd"]);
  expect((await c.status("vipd")).instances[0]!.drops).toEqual({});
}, 60_000);
