// IPsec AH sequence numbers between vipd and keepalived 2.2.7 when an address owner (priority 255, which starts
// MASTER at once) restarts: its counter starts again at 1, so its first adverts are replays to the peer, which
// drops and counts them, takes over, and advertises above the old count; the owner, MASTER, hears that
// lower-priority advert, numbers on from it (keepalived's rule), and the peer accepts it again and steps back.
// Both ways round: vipd restarts and keepalived judges, keepalived restarts and vipd judges.

import { afterEach, expect, test } from "bun:test";
import { Keepalived } from "./keepalived.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";

function keepalivedConf(state: "MASTER" | "BACKUP", priority: number): string {
  return `global_defs {
  router_id ka
}
vrrp_instance VI_1 {
  state ${state}
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
  authentication {
    auth_type AH
    auth_pass Aa123456
  }
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;
}

function vipdToml(priority: number): string {
  return `[instances.VI_1]
interface = "eth0"
version = 2
virtual_router_id = 51
priority = ${priority}
advert_int = 1
authentication = { auth_type = "AH", auth_pass = "Aa123456" }
virtual_ipaddress = ["${VIP}/24"]
`;
}

let cluster: VipdCluster | null = null;
const keepaliveds: Keepalived[] = [];
afterEach(async () => {
  for (const k of keepaliveds.splice(0)) await k.stop();
  await cluster?.destroy();
  cluster = null;
});

function states(k: Keepalived): string[] {
  return k.proc.lines.flatMap((l) => /\(VI_1\) Entering (\w+) STATE/.exec(l)?.[1] ?? []);
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

test("vipd, the owner, restarts: keepalived drops its adverts as already processed, takes over, and steps back once vipd numbers on", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"], false);
  cluster = c;
  c.writeConfig("vipd", vipdToml(255));
  await c.start("vipd");
  await c.waitState("vipd", "MASTER", 3000);
  const k = Keepalived.start(c.lab, "ka", "ka", keepalivedConf("BACKUP", 100));
  keepaliveds.push(k);
  await k.waitLog(/\(VI_1\) Entering BACKUP STATE/, 5000);
  await Bun.sleep(3000); // keepalived's counter reaches vipd's: a few adverts

  c.daemon("vipd").proc.kill("SIGKILL");
  await c.daemon("vipd").proc.exited;
  await c.start("vipd");
  await c.waitState("vipd", "MASTER", 3000);
  await k.waitLog(/IPSEC-AH : sequence number \d+ already processed/, 3000);
  // keepalived, deaf to the replays, takes over; vipd hears it (lower priority) and numbers on from its advert.
  await waitFor("keepalived MASTER then BACKUP again", () => states(k).join(" ").endsWith("BACKUP MASTER BACKUP"), 10_000);
  await Bun.sleep(1500);
  expect([await c.state("vipd"), states(k).at(-1)]).toEqual(["MASTER", "BACKUP"]);
  expect(c.holders(VIP)).toEqual(["vipd"]);
  const i = (await c.status("vipd")).instances[0]!;
  expect(i.drops).toEqual({});
  expect(i.otherMastersSeen).toBe(1);
}, 60_000);

test("keepalived, the owner, restarts: vipd drops its adverts as ah-replay, takes over, and steps back once keepalived numbers on", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["ka", "vipd"], false);
  cluster = c;
  const first = Keepalived.start(c.lab, "ka", "ka-1", keepalivedConf("MASTER", 255));
  keepaliveds.push(first);
  await first.waitLog(/\(VI_1\) Entering MASTER STATE/, 5000);
  c.writeConfig("vipd", vipdToml(100));
  await c.start("vipd");
  await Bun.sleep(3000);
  expect(await c.state("vipd")).toBe("BACKUP");

  await first.crash();
  const k = Keepalived.start(c.lab, "ka", "ka-2", keepalivedConf("MASTER", 255));
  keepaliveds.push(k);
  await k.waitLog(/\(VI_1\) Entering MASTER STATE/, 5000);
  await waitFor("vipd counting replays", async () => ((await c.status("vipd")).instances[0]!.drops["ah-replay"] ?? 0) > 0, 3000);
  // vipd, deaf to the replays, takes over; keepalived hears it (lower priority) and numbers on from its advert.
  // The MASTER period can be a few milliseconds (keepalived answers its first advert at once): count it, do not
  // poll for it.
  await waitFor("vipd taking over", async () => (await c.status("vipd")).instances[0]!.becameMaster > 0, 6000);
  await c.waitState("vipd", "BACKUP", 5000);
  await Bun.sleep(1500);
  expect([await c.state("vipd"), states(k).at(-1)]).toEqual(["BACKUP", "MASTER"]);
  expect(c.holders(VIP)).toEqual(["ka"]);
  expect(k.log).toMatch(/IPSEC-AH : Syncing seq_num/);
  const line = c.daemon("vipd").lines.find((l) => l.includes("dropped: IPsec AH sequence number"));
  expect(line).toMatch(/advert from 192\.0\.2\.\d+ dropped: IPsec AH sequence number \d+ not above ours/);
}, 60_000);
