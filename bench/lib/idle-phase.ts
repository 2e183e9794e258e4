// Phase 1: idle CPU and RSS over one shared window, three subjects side by side, each in its own lab (so none hears
// another's adverts):
//   - the adapters alone (idle-adapters.ts): every socket the daemon holds, no traffic at all;
//   - the compiled vipd daemon, one instance, MASTER, advertising once a second;
//   - keepalived 2.2.7 (parent + VRRP child), the same instance, MASTER, advertising once a second.
import { join } from "node:path";
import { Lab } from "../../test/netns/harness.ts";
import { Keepalived } from "../../test/netns/keepalived.ts";
import { instanceToml, VipdCluster } from "../../test/netns/vipd-cluster.ts";
import { onCleanup } from "./cleanup.ts";
import { childPids, type IdleSample, measureIdle } from "./proc-usage.ts";

const IDLE_ADAPTERS = join(import.meta.dir, "idle-adapters.ts");
// GARP rounds after the MASTER transition must be over before the window opens.
const SETTLE_MS = 2000;

const KEEPALIVED_CONF = `global_defs {
    router_id vipd-bench
    vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    version 3
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`;

export interface IdleResults {
  adapters: IdleSample;
  /** Packets and link events the idle adapters saw during their life (should be 0: no traffic). */
  adapterEvents: number;
  vipd: IdleSample;
  keepalived: IdleSample;
  keepalivedProcesses: number;
}

async function startAdapters(lab: Lab) {
  const proc = lab.spawn("a", [process.execPath, IDLE_ADAPTERS, "eth0"]);
  const { line } = await proc.waitLine((l) => l.includes('"ready":true'), 10_000);
  return { proc, pid: (JSON.parse(line) as { pid: number }).pid };
}

async function startVipd(): Promise<{ cluster: VipdCluster; pid: number }> {
  const cluster = await VipdCluster.create(["vipd"], false);
  onCleanup(() => cluster.destroy());
  cluster.writeConfig("vipd", instanceToml({ priority: 100, advertInt: 1 }));
  const daemon = await cluster.start("vipd");
  await cluster.waitState("vipd", "MASTER", 10_000);
  return { cluster, pid: daemon.pid };
}

async function startKeepalived(): Promise<{ lab: Lab; ka: Keepalived; pids: number[]; masterLine: number }> {
  const lab = await Lab.create({ hosts: ["ka"] });
  onCleanup(() => lab.destroy());
  const ka = Keepalived.start(lab, "ka", "bench", KEEPALIVED_CONF);
  // Registered after the lab's, so it runs first: the VRRP child is stopped by its own PID, then the lab goes.
  onCleanup(() => ka.stop());
  const { index: masterLine } = await ka.waitLog(/\(VI_1\) Entering MASTER STATE/, 10_000);
  // Parent and every child it started (the VRRP child; no checker without virtual servers).
  let children: number[] = [];
  for (let i = 0; i < 50 && children.length === 0; i++) {
    children = childPids(ka.proc.pid);
    if (children.length === 0) await Bun.sleep(100);
  }
  if (children.length === 0) throw new Error("keepalived's VRRP child not found");
  return { lab, ka, pids: [ka.proc.pid, ...children], masterLine };
}

export async function idlePhase(adapterLab: Lab, windowMs: number): Promise<IdleResults> {
  const [adapters, vipd, keepalived] = await Promise.all([startAdapters(adapterLab), startVipd(), startKeepalived()]);
  await Bun.sleep(SETTLE_MS);
  const samples = await measureIdle(
    new Map([
      ["adapters", [adapters.pid]],
      ["vipd", [vipd.pid]],
      ["keepalived", keepalived.pids],
    ]),
    windowMs,
  );
  // The subjects must have stayed up (and MASTER) for the whole window, or the figures mean nothing.
  if (adapters.proc.exited) throw new Error("the idle adapters process died during the window");
  const vipdState = await vipd.cluster.state("vipd");
  if (vipdState !== "MASTER") throw new Error(`vipd was ${vipdState} at the end of the window`);
  // It starts in BACKUP: only a transition after the MASTER line counts.
  const kaLeft = keepalived.ka.proc.lines.slice(keepalived.masterLine).find((l) => /\(VI_1\) Entering (BACKUP|FAULT)/.test(l));
  if (kaLeft) throw new Error(`keepalived left MASTER during the window: ${kaLeft}`);

  await adapters.proc.stop(3000);
  const events = adapters.proc.lines.map((l) => l.match(/^\{"events":(\d+)\}$/)).find((m) => m);
  await Promise.all([vipd.cluster.destroy(), keepalived.ka.stop().then(() => keepalived.lab.destroy())]);
  return {
    adapters: samples.get("adapters")!,
    adapterEvents: events ? Number(events[1]) : -1,
    vipd: samples.get("vipd")!,
    keepalived: samples.get("keepalived")!,
    keepalivedProcesses: keepalived.pids.length,
  };
}
