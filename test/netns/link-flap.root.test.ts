// A link flap on the BACKUP must not leave it deaf (#12 item 1): Linux unhooks an AF_PACKET socket from a link that
// goes down and its reader gets ENETDOWN. Before the fix the IPv6 BACKUP never heard the master again, took over
// after Master_Down_Interval and stayed MASTER beside it. Here the BACKUP's link flaps, it must stay BACKUP while the
// master lives, and take over within Master_Down_Interval when the master dies. IPv4 is held to the same.

import { afterEach, expect, test } from "bun:test";
import { waitFor } from "../wait-for.ts";
import { VipdCluster, vipdBinary } from "./vipd-cluster.ts";

// v3 at 0.1 s: Master_Down_Interval is 300 ms + skew (≤ 100 ms).
const MDI_MAX_MS = 400;
const SLACK_MS = 400;

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

/** A v3 instance at 0.1 s on eth0 whose one VIP (with its prefix) sets the family. */
function instance(priority: number, vip: string): string {
  return [
    "[instances.VI_1]",
    `interface = "eth0"`,
    "virtual_router_id = 51",
    `priority = ${priority}`,
    "version = 3",
    "advert_int = 0.1",
    `virtual_ipaddress = ["${vip}"]`,
    "",
  ].join("\n");
}

test.each([
  ["IPv6", "2001:db8::100/64"],
  ["IPv4", "192.0.2.100/24"],
] as const)(
  "%s: after a link flap the BACKUP still hears the master, and takes over when it dies",
  async (_family, vip) => {
    vipdBinary();
    const c = await VipdCluster.create(["a", "b"], false);
    cluster = c;
    c.writeConfig("a", instance(150, vip));
    c.writeConfig("b", instance(100, vip));
    await c.start("a");
    await c.waitState("a", "MASTER", 3000);
    await c.start("b");
    await c.waitState("b", "BACKUP", 3000);

    c.lab.linkSet("b", "eth0", "down");
    await c.waitState("b", "FAULT", 2000);
    c.lab.linkSet("b", "eth0", "up");
    await c.waitState("b", "BACKUP", 3000);
    // Deaf, b would go MASTER one Master_Down_Interval after it came back: give it several.
    await Bun.sleep(5 * MDI_MAX_MS);
    expect(await c.state("b")).toBe("BACKUP");
    expect(await c.state("a")).toBe("MASTER");

    // The master's link dies (at the bridge): the BACKUP must take over.
    c.lab.linkSet("bridge", c.lab.bridgePort("a"), "down");
    const took = await c.waitState("b", "MASTER", MDI_MAX_MS + SLACK_MS);
    expect(took).toBeLessThan(MDI_MAX_MS + SLACK_MS);
    const address = vip.split("/")[0]!;
    expect(await waitFor(() => c.holds("b", address), 1000, 20)).toBe(true);
  },
  30_000,
);
