// FRRouting's vrrpd (Debian's frr: zebra + vrrpd) as a VRRP peer in a lab host: the strict RFC implementation the
// VMAC interop tests run against. One zebra and one vrrpd per host, each with its own config, pid files and
// sockets in a private directory, logging to stdout; the system's frr service is never used.
//
// FRR does not create its macvlan: it must exist, in bridge mode, with the virtual MAC and the VIP, before vrrpd
// reads its `vrrp N` lines (FRR's VRRP documentation). FRR puts it in protodown while Backup.

import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Lab, LabProcess } from "./harness.ts";

const FRR_DIR = "/usr/lib/frr";

export interface FrrVrrp {
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  priority: number;
  advertIntervalMs: number;
  /** The VIP with its prefix, "192.0.2.100/24". */
  vip: string;
}

/** The lines of a vrrpd log that say it dropped an advert ("Discarding ... lower priority" is the protocol). */
export function frrRejections(lines: readonly string[]): string[] {
  return lines.filter((l) => /Datagram invalid|Bad (version|type|authentication|IP address|VRRP checksum)/.test(l));
}

function frrIds(): { uid: number; gid: number } {
  const id = (flag: string) => Bun.spawnSync(["id", flag, "frr"], { stdout: "pipe" });
  const [u, g] = [id("-u"), id("-g")];
  if (u.exitCode !== 0 || g.exitCode !== 0) throw new Error("FRR's user frr is missing: apt-get install -y frr (scripts/install-deps.sh)");
  return { uid: Number(u.stdout.toString()), gid: Number(g.stdout.toString()) };
}

export class Frr {
  private constructor(
    private readonly lab: Lab,
    private readonly host: string,
    readonly dir: string,
    readonly zebra: LabProcess,
    readonly vrrpd: LabProcess,
    readonly config: FrrVrrp,
  ) {}

  /** The macvlan FRR uses for this virtual router (created by start()). */
  static macvlanName(config: FrrVrrp): string {
    return `vrrp${config.family}-${config.vrid}`;
  }

  /** Creates the macvlan, starts zebra, waits for its socket, then vrrpd. */
  static async start(lab: Lab, host: string, config: FrrVrrp): Promise<Frr> {
    for (const daemon of ["zebra", "vrrpd"]) {
      if (!(await Bun.file(join(FRR_DIR, daemon)).exists())) throw new Error(`${FRR_DIR}/${daemon} is missing: apt-get install -y frr`);
    }
    const { uid, gid } = frrIds();
    const macvlan = Frr.macvlanName(config);
    const mac = `00:00:5e:00:0${config.family === 4 ? 1 : 2}:${config.vrid.toString(16).padStart(2, "0")}`;
    lab.must(host, ["ip", "link", "add", macvlan, "link", "eth0", "type", "macvlan", "mode", "bridge"]);
    // Not derived from the virtual MAC: both routers would have the same link-local address (FRR's docs).
    lab.must(host, ["ip", "link", "set", macvlan, "addrgenmode", "random"]);
    lab.must(host, ["ip", "link", "set", macvlan, "address", mac]);
    lab.must(host, ["ip", "addr", "add", config.vip, "dev", macvlan, ...(config.family === 6 ? ["nodad"] : [])]);
    lab.must(host, ["ip", "link", "set", macvlan, "up"]);
    // What Cumulus Linux (FRR's VRRP's home) sets by default and FRR leaves to the host: eth0 must not answer ARP
    // for the VIP on the macvlan, nor ask with the VIP as sender, or clients learn eth0's MAC for the VIP.
    lab.must(host, ["sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2"]);

    // The daemons drop to user frr: their directory is theirs.
    const dir = mkdtempSync(join(tmpdir(), "vipd-frr-"));
    const vip = config.vip.split("/")[0]!;
    const files: Record<string, string> = {
      "zebra.conf": "hostname zebra\n",
      "vrrpd.conf": [
        "hostname vrrpd",
        "debug vrrp protocol",
        "debug vrrp packets",
        "interface eth0",
        ` vrrp ${config.vrid} version ${config.version}`,
        ` vrrp ${config.vrid} priority ${config.priority}`,
        ` vrrp ${config.vrid} advertisement-interval ${config.advertIntervalMs}`,
        ` vrrp ${config.vrid} ${config.family === 4 ? "ip" : "ipv6"} ${vip}`,
        "",
      ].join("\n"),
    };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
      chownSync(join(dir, name), uid, gid);
    }
    chownSync(dir, uid, gid);
    const common = ["-z", join(dir, "zserv.api"), "--vty_socket", dir, "-P", "0", "--log", "stdout"];
    const daemon = (name: string) => [
      "sh",
      "-c",
      'exec "$0" "$@" 2>&1',
      join(FRR_DIR, name),
      "-f",
      join(dir, `${name}.conf`),
      "-i",
      join(dir, `${name}.pid`),
      ...common,
    ];
    const zebra = lab.spawn(host, daemon("zebra"));
    let vrrpd: LabProcess | null = null;
    try {
      await zebra.waitLine((l) => l.includes("starting"), 5000);
      for (let i = 0; i < 100 && !(await Bun.file(join(dir, "zserv.api")).exists()); i++) await Bun.sleep(20);
      vrrpd = lab.spawn(host, daemon("vrrpd"));
      const frr = new Frr(lab, host, dir, zebra, vrrpd, config);
      await frr.waitState(["Backup", "Master"], 5000);
      return frr;
    } catch (error) {
      await vrrpd?.stop(3000);
      await zebra.stop(3000);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** vrrpd's view of the virtual router ("show vrrp N json"), or null when it does not answer. */
  show(): Record<string, unknown> | null {
    const r = this.lab.exec(this.host, ["vtysh", "--vty_socket", this.dir, "-c", `show vrrp ${this.config.vrid} json`], 5000);
    if (r.code !== 0) return null;
    try {
      return (JSON.parse(r.stdout) as Record<string, unknown>[])[0] ?? null;
    } catch {
      return null;
    }
  }

  /** "Master", "Backup", "Initialize", or "down" when vrrpd does not answer. */
  async state(): Promise<string> {
    if (this.vrrpd.exited) return "down";
    const family = this.show()?.[`v${this.config.family}`] as { status?: string } | undefined;
    return family?.status ?? "down";
  }

  /** Polls until the state is one of `states`; the time it took. */
  async waitState(states: string[], timeoutMs: number): Promise<number> {
    const started = performance.now();
    for (let n = 0; n < 10_000; n++) {
      const now = await this.state();
      if (states.includes(now)) return performance.now() - started;
      if (performance.now() - started > timeoutMs)
        throw new Error(`FRR on ${this.host} is ${now}, not ${states.join(" or ")}, after ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
    throw new Error("waitState: too many polls");
  }

  rejections(): string[] {
    return frrRejections(this.vrrpd.lines);
  }

  /** SIGTERM to vrrpd: a Master sends priority 0 and puts its macvlan in protodown. */
  async terminate(): Promise<void> {
    await this.vrrpd.stop(3000);
  }

  async stop(): Promise<void> {
    await this.vrrpd.stop(3000);
    await this.zebra.stop(3000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
