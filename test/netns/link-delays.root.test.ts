// interface_up_down_delays on a real link: a carrier loss shorter than the down delay changes nothing (the MASTER
// keeps its VIP, no FAULT), a longer one is FAULT once the delay has passed.

import { afterEach, expect, test } from "bun:test";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

test("a flap within the down delay is absorbed; a longer outage is FAULT after the delay", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  // 0.5 s adverts: the delay must stay below 2 intervals (keepalived's bound), 0.8 s does.
  const delays = "[global]\ninterface_up_down_delays = { eth0 = { down = 0.8 } }\n";
  c.writeConfig("a", `${delays}${instanceToml({ priority: 150, advertInt: 0.5 })}`);
  c.writeConfig("b", instanceToml({ priority: 100, advertInt: 0.5 }));
  await c.start("a");
  await c.waitState("a", "MASTER", 5000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 5000);
  const port = c.lab.bridgePort("a");

  let from = c.daemon("a").lines.length;
  c.lab.linkSet("bridge", port, "down");
  await c.daemon("a").waitLine((l) => l.includes("eth0: down, taken into account in 0.8 s"), 3000, from);
  await Bun.sleep(300);
  c.lab.linkSet("bridge", port, "up");
  await c.daemon("a").waitLine((l) => l.includes("the pending change is cancelled"), 3000, from);
  await Bun.sleep(1000);
  expect(await c.state("a")).toBe("MASTER");
  expect(
    c
      .daemon("a")
      .lines.slice(from)
      .some((l) => l.includes("FAULT")),
  ).toBe(false);

  from = c.daemon("a").lines.length;
  const started = performance.now();
  c.lab.linkSet("bridge", port, "down");
  await c.waitState("a", "FAULT", 3000);
  expect(performance.now() - started).toBeGreaterThan(750);
  c.lab.linkSet("bridge", port, "up");
  await c.waitState("a", "MASTER", 10_000);
}, 60_000);
