import { expect, test } from "bun:test";
import { parseLabArgs } from "../../src/cli/lab.ts";
import { loadConfigText } from "../../src/config/load.ts";
import { keepalivedConf, vipdToml } from "../../src/lab/configs.ts";
import { labPrefix, makePlan } from "../../src/lab/plan.ts";
import { preflight } from "../../src/lab/run-lab.ts";
import { selfCommand } from "../../src/lab/routers.ts";

const plan = makePlan({ routers: 3, version: 3, peer: "keepalived" }, labPrefix(4242));

test("the plan: per-run names, documentation addresses, descending priorities, keepalived on r2 only", () => {
  expect(plan.bridgeNs).toBe("vipdlab-4242-br");
  expect(plan.routers.map((r) => [r.ns, r.ipv4, r.mac, r.priority, r.daemon])).toEqual([
    ["vipdlab-4242-r1", "192.0.2.11", "02:00:5e:00:02:0b", 150, "vipd"],
    ["vipdlab-4242-r2", "192.0.2.12", "02:00:5e:00:02:0c", 140, "keepalived"],
    ["vipdlab-4242-r3", "192.0.2.13", "02:00:5e:00:02:0d", 130, "vipd"],
  ]);
  expect(plan.client).toMatchObject({ ns: "vipdlab-4242-client", ipv4: "192.0.2.2" });
  expect(plan.vip).toBe("192.0.2.100");
  expect(plan.advertIntervalCs).toBe(10);
  expect(makePlan({ routers: 2, version: 2, peer: "vipd" }, "p").advertIntervalCs).toBe(100);
  expect(() => makePlan({ routers: 1, version: 3, peer: "vipd" }, "p")).toThrow(RangeError);
  expect(() => makePlan({ routers: 9, version: 3, peer: "vipd" }, "p")).toThrow(RangeError);
});

test("the generated vipd TOML passes the daemon's own loader, as v3 and as v2", () => {
  for (const version of [2, 3] as const) {
    const p = makePlan({ routers: 2, version, peer: "vipd" }, "vipdlab-1");
    const toml = vipdToml(p, p.routers[0]!, "/tmp/vipdlab-1-x/r1.healthy");
    const loaded = loadConfigText(toml, "r1.toml", { checkPrograms: false });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}: ${e.keyPath}: ${e.message}`).join("\n"));
    const instance = loaded.config.instances[0]!;
    expect(instance).toMatchObject({
      name: "VI_1",
      interface: "eth0",
      virtualRouterId: 51,
      priority: 150,
      version,
      advertIntervalCs: version === 3 ? 10 : 100,
    });
    expect(instance.virtualIpaddress.map((v) => `${v.address}/${v.prefixLength}`)).toEqual(["192.0.2.100/24"]);
    expect(instance.trackScript.map((t) => t.name)).toEqual(["chk_service"]);
    const script = loaded.config.scripts[0]!;
    expect(script).toMatchObject({ name: "chk_service", intervalMs: 100, fall: 1, rise: 1 });
    expect(script.script.argv).toEqual(["/usr/bin/test", "-e", "/tmp/vipdlab-1-x/r1.healthy"]);
  }
});

test("the keepalived.conf says the same: VRID, priority, version, interval, VIP", () => {
  const conf = keepalivedConf(plan, plan.routers[1]!);
  for (const line of [
    "vrrp_instance VI_1 {",
    "state BACKUP",
    "interface eth0",
    "virtual_router_id 51",
    "priority 140",
    "version 3",
    "advert_int 0.1",
    "192.0.2.100/24",
  ]) {
    expect(conf).toContain(line);
  }
  expect((conf.match(/{/g) ?? []).length).toBe((conf.match(/}/g) ?? []).length);
});

test("flags: defaults and every kind of mistake", () => {
  expect(parseLabArgs({ routers: "3", version: "3", peer: "vipd" })).toEqual({ routers: 3, version: 3, peer: "vipd" });
  expect(parseLabArgs({ routers: "2", version: "2", peer: "keepalived" })).toEqual({ routers: 2, version: 2, peer: "keepalived" });
  expect(parseLabArgs({ routers: "1.5", version: "4", peer: "frr" })).toEqual([
    "--routers must be an integer from 2 to 8, got 1.5",
    "--version must be 2 or 3, got 4",
    "--peer must be vipd or keepalived, got frr",
  ]);
});

test("preflight: not root is one clear sentence, before anything else is looked at", () => {
  const problems = preflight({ routers: 3, version: 3, peer: "vipd" }, 1000);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain("must run as root");
});

test("self command: the compiled executable alone, or bun with the entry file", () => {
  expect(selfCommand("/$bunfs/root/vipd", "/usr/local/bin/vipd")).toEqual(["/usr/local/bin/vipd"]);
  const [bun, entry] = selfCommand("/work/src/lab/routers.ts", "/usr/bin/bun");
  expect(bun).toBe("/usr/bin/bun");
  expect(entry).toMatch(/src\/cli\/entry\.ts$/);
});

test("--vmac: use_vmac in both daemons' configs, the virtual MAC in the plan", () => {
  expect(parseLabArgs({ routers: "2", version: "3", peer: "vipd", vmac: true })).toEqual({
    routers: 2,
    version: 3,
    peer: "vipd",
    vmac: true,
  });
  const p = makePlan({ routers: 2, version: 3, peer: "keepalived", vmac: true }, "vipdlab-1");
  expect(p.virtualMac).toBe("00:00:5e:00:01:33");
  expect(plan.virtualMac).toBeNull();
  const toml = vipdToml(p, p.routers[0]!, "/tmp/vipdlab-1-x/r1.healthy");
  const loaded = loadConfigText(toml, "r1.toml", { checkPrograms: false });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  expect(loaded.config.instances[0]!.vmac).toEqual({ name: "vrrp.51", xmitBase: false });
  expect(keepalivedConf(p, p.routers[1]!)).toContain("    use_vmac\n");
  expect(keepalivedConf(plan, plan.routers[1]!)).not.toContain("use_vmac");
});
