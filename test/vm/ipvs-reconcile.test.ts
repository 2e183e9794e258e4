// The reconciler on a real kernel: one VM boot runs test/vm/guest/reconcile-agent.ts, which applies a
// [virtual_servers] config, reloads it with one real server's weight changed while a TCP connection runs through
// the service, restarts and stops. ipvsadm must see only that weight change, the connection must carry on, a
// restart must adopt the table without a change, and stop must leave a foreign service alone.
// Fails (never skips) when the VM cannot run.
import { beforeAll, expect, test } from "bun:test";
import { runInVm } from "./runner.ts";

interface AgentResult {
  applied: string[];
  afterApply: string;
  before: string;
  drifted: string;
  reload: string[];
  afterReload: string;
  afterResync: string;
  resyncLog: string[];
  after: string;
  restart: string[];
  stop: string[];
  afterStop: string;
  failures: string[];
  errors: string[];
  phases: Record<string, number>;
}

let result: AgentResult;

beforeAll(async () => {
  const run = await runInVm({
    command: "modprobe ip_vs && node_modules/.bin/bun test/vm/guest/reconcile-agent.ts",
    cwd: `${import.meta.dir}/../..`,
    timeoutMs: 150_000,
  });
  if (run.exitCode !== 0) throw new Error(`the guest agent exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
  result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as AgentResult;
  console.log(
    `ipvs reconcile vm: boot ${Math.round(run.bootMs)} ms, whole run ${Math.round(run.totalMs)} ms, agent ${JSON.stringify(result.phases)}`,
  );
}, 200_000);

/** `ipvsadm -Ln` lines without the connection counters (the long-lived connection moves them). */
const table = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === "TCP" || w[0] === "UDP" || w[0] === "->")
    .filter((w) => w[1] !== "RemoteAddress:Port")
    .map((w) => (w[0] === "->" ? w.slice(0, 4) : w).join(" "));

test("the first apply builds the table; the kernel refuses nothing", () => {
  expect(result.failures).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(result.applied).toHaveLength(6);
  expect(table(result.afterApply)).toEqual([
    "TCP 192.0.2.1:80 rr persistent 30",
    "-> 198.51.100.2:80 Masq 1",
    "-> 198.51.100.18:80 Masq 1",
    "TCP 192.0.2.1:9000 wrr",
    "-> 198.51.100.2:9000 Masq 1",
    "-> 198.51.100.18:9000 Masq 1",
    "TCP 203.0.113.50:80 rr",
  ]);
});

test("a reload with one changed weight is one destination edit, and ipvsadm shows only that change", () => {
  expect(result.reload).toEqual(["editDestination tcp 192.0.2.1 9000 -> 198.51.100.18 9000 weight 3"]);
  const before = table(result.drifted);
  const after = table(result.afterReload);
  expect(after.filter((l) => !before.includes(l))).toEqual(["-> 198.51.100.18:9000 Masq 3"]);
  expect(before.filter((l) => !after.includes(l))).toEqual(["-> 198.51.100.18:9000 Masq 1"]);
});

test("the drift made with ipvsadm before the reload is repaired by its resync afterwards, and logged", () => {
  /** The lines of the port-80 services (vipd's, and the foreign one without real servers) and their real servers. */
  const portEighty = (text: string) => table(text).filter((l) => /:80( |$)/.test(l));
  const others = (text: string) => table(text).filter((l) => !/:80( |$)/.test(l));
  expect(portEighty(result.drifted)).toContain("-> 198.51.100.2:80 Masq 5");
  expect(portEighty(result.drifted)).not.toContain("-> 198.51.100.18:80 Masq 1");
  // Not by the reload itself (it reads only the changed service)...
  expect(portEighty(result.afterReload)).toEqual(portEighty(result.drifted));
  // ...but by the resync after it: the port-80 service as first applied, the rest as the reload left it.
  expect(portEighty(result.afterResync)).toEqual(portEighty(result.afterApply));
  expect(others(result.afterResync)).toEqual(others(result.afterReload));
  expect(result.resyncLog).toEqual([
    "IPVS: tcp 192.0.2.1 80 differed from the configuration (changed outside vipd); repaired: editDestination tcp 192.0.2.1 80 -> 198.51.100.2 80 weight 1, addDestination tcp 192.0.2.1 80 -> 198.51.100.18 80 weight 1",
    "IPVS: resync after reload repaired 1 of 2 services changed outside vipd",
  ]);
});

test("the long-lived connection through the service carries on after the reload, to the same real server", () => {
  const [server, word] = result.before.split(" ");
  expect(["r1", "r2"]).toContain(server ?? "");
  expect(word).toBe("one");
  expect(result.after).toBe(`${server} two`);
});

test("a restart adopts the table without a change; stop removes vipd's services only", () => {
  expect(result.restart).toEqual([]);
  expect([...result.stop].sort()).toEqual(["deleteService tcp 192.0.2.1 80", "deleteService tcp 192.0.2.1 9000"]);
  expect(table(result.afterStop)).toEqual(["TCP 203.0.113.50:80 rr"]);
});
