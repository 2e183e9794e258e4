// The lab harness itself: it builds what the other netns tests rely on and leaves nothing behind.
import { afterAll, expect, test } from "bun:test";
import { namespacesWithPrefix } from "../../src/lab/netns-lab.ts";
import { Lab } from "./harness.ts";

const labs: Lab[] = [];
afterAll(async () => {
  for (const lab of labs) await lab.destroy();
});

test("a bridged lab: addresses, MACs, reachability, link control; destroy leaves no namespace and no process", async () => {
  const lab = await Lab.create({ hosts: ["a", "b", "c"], bridge: true });
  labs.push(lab);
  expect(namespacesWithPrefix(lab.prefix).sort()).toEqual([lab.ns("a"), lab.ns("b"), lab.ns("c"), lab.bridgeNs!].sort());
  const a = lab.addrs("a")[0]!;
  expect(a.ifname).toBe("eth0");
  expect(a.address).toBe("02:00:5e:10:00:0a");
  expect(lab.addressList("a")).toEqual(expect.arrayContaining(["192.0.2.10/24", "2001:db8::a/64"]));
  expect(lab.addressList("c")).toEqual(expect.arrayContaining(["192.0.2.12/24", "2001:db8::c/64"]));
  // Both families reach across the bridge (bounded: one echo, 2 s).
  expect(lab.exec("a", ["ping", "-c", "1", "-W", "2", lab.ipv4("c")]).code).toBe(0);
  expect(lab.exec("b", ["ping", "-6", "-c", "1", "-W", "2", lab.ipv6("a")]).code).toBe(0);
  lab.linkSet("a", "eth0", "down");
  expect(lab.addrs("a")[0]!.flags).not.toContain("UP");
  lab.linkSet("a", "eth0", "up");
  const sleeper = lab.spawn("b", ["sleep", "30"]);
  expect(sleeper.pid).toBeGreaterThan(1);
  await lab.destroy();
  await lab.destroy(); // idempotent
  expect(sleeper.exited).toBe(true);
  expect(namespacesWithPrefix(lab.prefix)).toEqual([]);
});

test("a two-host lab without a bridge is one veth pair", async () => {
  const lab = await Lab.create({ hosts: ["x", "y"], bridge: false });
  labs.push(lab);
  expect(lab.bridgeNs).toBeUndefined();
  expect(lab.exec("x", ["ping", "-c", "1", "-W", "2", lab.ipv4("y")]).code).toBe(0);
  await lab.destroy();
  expect(namespacesWithPrefix(lab.prefix)).toEqual([]);
});

test("nothing is created in the test's own namespace", async () => {
  const before = Bun.spawnSync(["ip", "-br", "link"]).stdout.toString();
  const lab = await Lab.create({ hosts: ["a", "b"] });
  labs.push(lab);
  expect(Bun.spawnSync(["ip", "-br", "link"]).stdout.toString()).toBe(before);
  await lab.destroy();
});
