// The compiled daemon under a stand-in for systemd: NOTIFY_SOCKET (a path: abstract sockets belong to a network
// namespace) and WATCHDOG_USEC in its environment. It says READY=1 once running, pings the watchdog at half of
// WATCHDOG_USEC, brackets a reload with RELOADING=1 and READY=1, says STOPPING=1 on SIGTERM,
// and sends a STATUS= summary ("1 MASTER") whenever an instance changes state.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { NotifyReceiver } from "../systemd/notify-receiver.ts";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
let receiver: NotifyReceiver | null = null;
afterEach(async () => {
  receiver?.close();
  receiver = null;
  await cluster?.destroy();
  cluster = null;
});

test("vipd run speaks sd_notify: READY, WATCHDOG, RELOADING + READY, STOPPING, a STATUS= line per state change", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"], false);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 150 }));
  const notify = new NotifyReceiver(join(c.lab.dir, "notify.sock"));
  receiver = notify;
  const daemon = await c.start("a", [], { NOTIFY_SOCKET: notify.address, WATCHDOG_USEC: "200000" });

  const seen: string[] = [];
  expect(await notify.waitFor((m) => m === "READY=1", 3000, seen)).toBe("READY=1");
  expect(await notify.waitFor((m) => m === "STATUS=1 MASTER", 3000, seen)).toBe("STATUS=1 MASTER");
  // Pings every 100 ms: at least four more within 600 ms, on a loaded machine too.
  const pingsBefore = seen.filter((m) => m === "WATCHDOG=1").length;
  await notify.waitFor(() => false, 600, seen);
  expect(seen.filter((m) => m === "WATCHDOG=1").length - pingsBefore).toBeGreaterThanOrEqual(4);
  const events = () => seen.filter((m) => m !== "WATCHDOG=1").map((m) => m.split("\n")[0]);
  expect(events()).toEqual(["STATUS=1 BACKUP", "READY=1", "STATUS=1 MASTER"]);

  daemon.proc.kill("SIGHUP");
  const reloading = await notify.waitFor((m) => m.startsWith("RELOADING=1"), 3000, seen);
  expect(reloading).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+$/);
  expect(await notify.waitFor((m) => m === "READY=1", 3000, seen)).toBe("READY=1");

  daemon.proc.kill("SIGTERM");
  expect(await notify.waitFor((m) => m === "STOPPING=1", 3000, seen)).toBe("STOPPING=1");
  expect(await Promise.race([daemon.proc.exited.then(() => true), Bun.sleep(5000).then(() => false)])).toBe(true);
  await notify.waitFor((m) => m === "STATUS=1 STOP", 1000, seen);
  expect(events()).toEqual(["STATUS=1 BACKUP", "READY=1", "STATUS=1 MASTER", "RELOADING=1", "READY=1", "STOPPING=1", "STATUS=1 STOP"]);
}, 30_000);
