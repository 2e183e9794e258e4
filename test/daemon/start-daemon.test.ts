// startDaemon end to end on the fake adapters: the real config loader, core, driver, trackers and status socket,
// with the host's kernel, LAN and clock in memory. No root, no build.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Link } from "../../src/adapters/address-manager.ts";
import type { HostAdapters } from "../../src/adapters/host-adapters.ts";
import type { VrrpTransportFactory } from "../../src/adapters/vrrp-transport.ts";
import { timersAlarm } from "../../src/clock/alarm.ts";
import { DaemonStartError, type RunningDaemon, startDaemon } from "../../src/daemon/daemon.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import type { StatusSnapshot } from "../../src/daemon/status.ts";
import { linuxPeerCredentials } from "../../src/adapters/linux/peer-credentials.ts";
import { linuxControlSocketProbe } from "../../src/adapters/linux/socket-probe.ts";
import { linuxFifoMaker } from "../../src/adapters/linux/fifo-maker.ts";
import type { CommandRunner } from "../../src/process/run-command.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { FakeAnnouncer } from "../adapters/fake-announcer.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { FakeChecker } from "../check/fake-checker.ts";
import { formatVirtualServers } from "../../src/cli/status-lvs.ts";
import { FakeMacvlanLinks } from "../adapters/fake-macvlan.ts";
import { FakeNetlink } from "../adapters/fake-netlink.ts";
import { FakeLan } from "../adapters/fake-vrrp-transport.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { ip } from "../vrrp/fixtures.ts";
import { FakeNoAcceptFilter } from "../adapters/fake-no-accept-filter.ts";

const ETH0: Link = { ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu: 1500, up: true, carrier: true };
const ETH1: Link = { ...ETH0, ifindex: 3, name: "eth1" };
/** VRRPv2, 1 s adverts, priority 100: Master_Down_Interval 3 s + 156/256 s. */
const MASTER_DOWN_MS = 3000 + (156 / 256) * 1000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-start-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function instance(name: string, vrid: number, vip: string, ifname = "eth0"): string {
  return `[instances.${name}]\ninterface = "${ifname}"\nvirtual_router_id = ${vrid}\npriority = 100\nvirtual_ipaddress = ["${vip}/24"]\n`;
}

/** One host: a fake kernel with eth0 (192.0.2.1), a LAN with nobody else on it, a fake clock. */
function fakeHost() {
  const timers = new FakeTimers();
  const netlink = new FakeNetlink([ETH0]);
  netlink.addAddress({ ifindex: 2, address: ip("192.0.2.1"), prefixlen: 24 });
  const lan = new FakeLan((deliver) => timers.setTimeout(deliver, 0.2));
  const announcer = new FakeAnnouncer();
  const events: string[] = [];
  // A tap on the fake kernel's events; the fake reports trouble only when a test overflows it.
  netlink.start(
    (event) => {
      if (event.type === "address-added") events.push(`add ${formatIp(event.address.address)}`);
      if (event.type === "address-removed") events.push(`del ${formatIp(event.address.address)}`);
    },
    () => undefined,
  );
  const lanPort = lan.host("a", { 4: ip("192.0.2.1") });
  // As the kernel does: a VRRP socket needs its interface, with an address to send from.
  const transports: VrrpTransportFactory = {
    open: (options, onPacket) => {
      const link = netlink.links().find((l) => l.name === options.ifname);
      if (!link || (!options.source && netlink.addresses(4, link.ifindex).length === 0)) {
        throw Object.assign(new Error(`no address on ${options.ifname}`), { code: "EADDRNOTAVAIL" });
      }
      return lanPort.open(options, onPacket);
    },
  };
  const users = (user: string) => (user === "nobody" ? { uid: 65534, gid: 65534 } : null);
  const ipvs = new FakeIpvs();
  const noAccept = new FakeNoAcceptFilter();
  let ipvsOpened = 0;
  const adapters: HostAdapters = {
    addresses: netlink,
    links: netlink,
    transports,
    announcer,
    alarms: timersAlarm(timers),
    users,
    noAccept,
    makeFifo: linuxFifoMaker,
    peerCredentials: linuxPeerCredentials,
    controlSocketProbe: linuxControlSocketProbe,
    ipvs: () => {
      ipvsOpened++;
      return ipvs;
    },
  };
  const held = () => [...netlink.addresses(4)].map((a) => formatIp(a.address)).filter((a) => a !== "192.0.2.1" && a !== "198.51.100.1");
  const checker = new FakeChecker(timers);
  return { timers, netlink, lan, announcer, events, adapters, held, ipvs, noAccept, ipvsOpened: () => ipvsOpened, checker };
}

const noScripts: CommandRunner = () => {
  throw new Error("no script is configured in these tests");
};

async function start(host: ReturnType<typeof fakeHost>, config: string, lines: string[] = [], statuses: string[] = []) {
  const configPath = join(dir, "config.toml");
  writeFileSync(configPath, config);
  const daemon = await startDaemon(
    {
      configPath,
      socketPath: join(dir, "status.sock"),
      ipvsRecordPath: join(dir, "ipvs-services"),
      vmacRecordPath: join(dir, "vmac-bases"),
      onStatus: (summary) => statuses.push(summary),
    },
    { adapters: () => host.adapters, logs: memoryLogs(lines), timers: host.timers, runner: noScripts, spawnChecker: host.checker.spawn },
  );
  return { daemon, configPath, lines };
}

/** A port nobody listens on now (the kernel's choice), for a [metrics] listener. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** promtool's verdict on a scrape, bounded in time; fails loudly without promtool. */
function promtoolCheck(text: string): { exitCode: number | null; output: string } {
  const run = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: new TextEncoder().encode(text), timeout: 20_000 });
  if (run.exitCode === null && run.signalCode === null) {
    throw new Error("promtool (Debian's prometheus package) is needed: bash scripts/install-deps.sh");
  }
  if (run.exitCode !== 0 && run.stderr.toString().includes("not found")) {
    throw new Error("promtool (Debian's prometheus package) is needed: bash scripts/install-deps.sh");
  }
  return { exitCode: run.exitCode, output: `${run.stdout}${run.stderr}`.trim() };
}

async function stop(daemon: RunningDaemon, host: ReturnType<typeof fakeHost>): Promise<void> {
  const stopped = daemon.stop();
  // The daemon waits for notify scripts with a bounded timer on the fake clock: move it on.
  for (let i = 0; i < 100 && !(await Promise.race([stopped.then(() => true), Bun.sleep(1).then(() => false)])); i++)
    host.timers.advance(100);
  await stopped;
}

describe("startDaemon on fake adapters", () => {
  test("a VIP left behind by an earlier run is removed before anything starts; then MASTER after Master_Down_Interval", async () => {
    const host = fakeHost();
    host.netlink.addAddress({ ifindex: 2, address: ip("192.0.2.10"), prefixlen: 24 });
    const { daemon, lines } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    expect(host.held()).toEqual([]);
    expect(lines.join("\n")).toContain("removed 192.0.2.10/24 from eth0: left behind by an earlier run of VI_1");
    expect(daemon.node.router("VI_1")!.state).toBe("BACKUP");
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(host.held()).toEqual(["192.0.2.10"]);
    expect(host.announcer.announced.map((a) => `${a.ifname} ${a.addresses.map((x) => formatIp(x))} x${a.options.repeat}`)).toEqual([
      "eth0 192.0.2.10 x5",
    ]);
    await stop(daemon, host);
    expect(host.held()).toEqual([]);
  });

  test("a second daemon on the same control socket is refused before it changes anything; the first goes on", async () => {
    const first = fakeHost();
    const { daemon } = await start(first, instance("VI_1", 51, "192.0.2.10"));
    first.timers.advance(MASTER_DOWN_MS + 1);
    // On the second host, a VIP as a start would remove it: left behind by an earlier run.
    const second = fakeHost();
    second.netlink.addAddress({ ifindex: 2, address: ip("192.0.2.10"), prefixlen: 24 });
    const refused = start(second, instance("VI_1", 51, "192.0.2.10"));
    await expect(refused).rejects.toBeInstanceOf(DaemonStartError);
    await expect(refused).rejects.toThrow(`another vipd is running: it answers on ${join(dir, "status.sock")}`);
    expect(second.held()).toEqual(["192.0.2.10"]);
    const status = (await (await fetch("http://localhost/status", { unix: join(dir, "status.sock") })).json()) as StatusSnapshot;
    expect(status.instances[0]).toMatchObject({ name: "VI_1", state: "MASTER" });
    await stop(daemon, first);
    // Once the first has stopped, the socket is free again.
    const { daemon: next } = await start(second, instance("VI_1", 51, "192.0.2.10"));
    expect(second.held()).toEqual([]);
    await stop(next, second);
  });

  test("no-accept mode: the table is set up at start, the VIPs blocked before they are added and unblocked after; removed at stop", async () => {
    const host = fakeHost();
    const { daemon, configPath } = await start(host, `${instance("VI_1", 51, "192.0.2.10")}accept = false\n`);
    expect(host.noAccept.calls).toEqual(["install"]);
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(host.noAccept.blocked().map((a) => formatIp(a))).toEqual(["192.0.2.10"]);
    expect(host.held()).toEqual(["192.0.2.10"]);
    // A reload that turns accept on again unblocks the VIP while it stays held.
    writeFileSync(configPath, instance("VI_1", 51, "192.0.2.10"));
    expect(daemon.reload()).toBe(true);
    expect(host.noAccept.blocked()).toEqual([]);
    expect(host.held()).toEqual(["192.0.2.10"]);
    await stop(daemon, host);
    expect(host.noAccept.calls).toEqual(["install", "block 192.0.2.10", "unblock 192.0.2.10", "remove"]);
    expect(host.noAccept.installed()).toBe(false);
  });

  test("no-accept mode without nftables: the start stops with the reason, naming the instance", async () => {
    const host = fakeHost();
    host.noAccept.install = () => {
      throw new Error("install the no-accept table: socket failed: EPROTONOSUPPORT (errno 93)");
    };
    const started = start(host, `${instance("VI_1", 51, "192.0.2.10")}accept = false\n`);
    await expect(started).rejects.toBeInstanceOf(DaemonStartError);
    await expect(started).rejects.toThrow(
      "no-accept mode (accept = false) of VI_1: cannot set up the nftables table: install the no-accept table: socket failed: EPROTONOSUPPORT",
    );
  });

  test("accept mode: a table left behind by an earlier run is removed at start, and nothing is blocked", async () => {
    const host = fakeHost();
    host.noAccept.install();
    host.noAccept.block([ip("192.0.2.10")]);
    const { daemon } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    expect(host.noAccept.installed()).toBe(false);
    // Nothing needs the table: its socket is not kept open.
    expect(host.noAccept.closed).toBe(true);
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    await stop(daemon, host);
    expect(host.noAccept.calls).toEqual(["install", "block 192.0.2.10", "remove"]);
  });

  test("a reload keeps a MASTER's VIP without a gap, adds the new instance, and a broken file changes nothing", async () => {
    const host = fakeHost();
    const statuses: string[] = [];
    const { daemon, configPath, lines } = await start(host, instance("VI_1", 51, "192.0.2.10"), [], statuses);
    host.timers.advance(MASTER_DOWN_MS + 1);
    host.events.length = 0;
    writeFileSync(configPath, `${instance("VI_1", 51, "192.0.2.10")}\n${instance("VI_2", 52, "192.0.2.11")}`);
    expect(daemon.reload()).toBe(true);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(daemon.node.router("VI_2")!.state).toBe("BACKUP");
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(host.held().sort()).toEqual(["192.0.2.10", "192.0.2.11"]);
    expect(host.events).toEqual(["add 192.0.2.11"]);
    expect(lines.join("\n")).toContain("reloaded: 1 kept, 1 added (VI_2), 0 removed");
    // systemd's STATUS= line follows every state change, once per new summary.
    expect(statuses).toEqual(["1 BACKUP", "1 MASTER", "1 MASTER, 1 BACKUP", "2 MASTER"]);

    writeFileSync(configPath, "[instances.VI_1]\ninterface = eth0\n");
    expect(daemon.reload()).toBe(false);
    expect(lines.join("\n")).toContain("reload aborted: still running on the previous configuration");
    expect(daemon.node.routers.map((r) => `${r.name} ${r.state}`)).toEqual(["VI_1 MASTER", "VI_2 MASTER"]);

    // The reload line names what changed: an edited instance, a removed one, and one renamed (kept by its VRID).
    writeFileSync(
      configPath,
      `${instance("VI_1", 51, "192.0.2.10").replace("priority = 100", "priority = 120")}\n${instance("VI_3", 52, "192.0.2.11")}`,
    );
    expect(daemon.reload()).toBe(true);
    expect(lines.at(-1)).toBe("info vipd: reloaded: 2 kept (changed VI_1; renamed VI_2 → VI_3), 0 added, 0 removed");
    writeFileSync(configPath, instance("VI_1", 51, "192.0.2.10").replace("priority = 100", "priority = 120"));
    expect(daemon.reload()).toBe(true);
    expect(lines.at(-1)).toBe("info vipd: reloaded: 1 kept, 0 added, 1 removed (VI_3)");
    await stop(daemon, host);
  });

  test("dynamic_interfaces: an instance waits for its interface and its address, then starts", async () => {
    const host = fakeHost();
    const config = `[global]\ndynamic_interfaces = true\n${instance("VI_1", 51, "192.0.2.10")}\n${instance("VI_2", 52, "198.51.100.10", "eth1")}`;
    const { daemon, lines } = await start(host, config);
    expect(daemon.node.routers.map((r) => r.name)).toEqual(["VI_1"]);
    expect(lines.join("\n")).toContain("instance VI_2 waits for interface eth1 (dynamic_interfaces)");
    host.netlink.addLink(ETH1);
    expect(daemon.node.router("VI_2")).toBeUndefined();
    host.netlink.addAddress({ ifindex: 3, address: ip("198.51.100.1"), prefixlen: 24 });
    expect(daemon.node.router("VI_2")!.state).toBe("BACKUP");
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(host.held().sort()).toEqual(["192.0.2.10", "198.51.100.10"]);
    await stop(daemon, host);
    expect(host.held()).toEqual([]);
  });

  test("an interface recreated without an address: FAULT (never a MASTER without a socket) until the address comes", async () => {
    const host = fakeHost();
    const { daemon, lines } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    host.netlink.removeLink(2);
    expect(daemon.node.router("VI_1")!.state).toBe("FAULT");
    // Rebuilt by a network manager under a new index, up, but with no address yet.
    host.netlink.addLink({ ...ETH0, ifindex: 4 });
    host.timers.advance(MASTER_DOWN_MS * 2);
    expect(daemon.node.router("VI_1")!.state).toBe("FAULT");
    expect(daemon.node.router("VI_1")!.ownFault).toBe("socket:eth0/IPv4");
    const status = (await (await fetch("http://localhost/status", { unix: join(dir, "status.sock") })).json()) as StatusSnapshot;
    expect(status.instances[0]).toMatchObject({
      name: "VI_1",
      state: "FAULT",
      fault: "tracker socket:eth0/IPv4 is down",
      otherMastersSeen: 0,
    });
    expect(host.held()).toEqual([]);
    expect(lines.join("\n")).toContain(
      "interface eth0 appeared, but: instance VI_1: interface eth0 has no IPv4 address to send adverts from",
    );
    host.netlink.addAddress({ ifindex: 4, address: ip("192.0.2.1"), prefixlen: 24 });
    expect(daemon.node.router("VI_1")!.state).toBe("BACKUP");
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(host.netlink.addresses(4, 4).map((a) => formatIp(a.address))).toEqual(["192.0.2.1", "192.0.2.10"]);
    await stop(daemon, host);
  });

  test("the control socket takes a handover (POST /handover) and says when the instance is unknown; status shows the hold", async () => {
    const host = fakeHost();
    const { daemon } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    host.timers.advance(MASTER_DOWN_MS + 1);
    const post = async (query: string) => {
      const response = await fetch(`http://localhost/handover?${query}`, { method: "POST", unix: join(dir, "status.sock") });
      return [response.status, await response.json()];
    };
    expect(await post("instance=VI_9")).toEqual([409, { ok: false, problem: "no instance VI_9" }]);
    expect(await post("instance=VI_1")).toEqual([200, { ok: true }]);
    expect(daemon.node.router("VI_1")!.state).toBe("STOPPING");
    // Alone on its LAN: nobody takes over, so the handover is called off and the VIP never left.
    host.timers.advance(3000);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(host.held()).toEqual(["192.0.2.10"]);
    await post("instance=VI_1");
    const status = (await (await fetch("http://localhost/status", { unix: join(dir, "status.sock") })).json()) as StatusSnapshot;
    expect(status.instances[0]).toMatchObject({ state: "MASTER", stopping: true, held: true });
    expect(statSync(join(dir, "status.sock")).mode & 0o777).toBe(0o600);
    await stop(daemon, host);
  });

  test("[metrics]: Prometheus text that promtool accepts, scraped across a failover; /healthz", async () => {
    const host = fakeHost();
    const port = freePort();
    // A track_process on this test's own process name: running, so up, counted at least once.
    const comm = readFileSync("/proc/self/comm", "utf8").trim();
    const tracked = `[track_processes.self]\nprocess = "${comm}"\nweight = 0\n`;
    const config = `[metrics]\nlisten = "127.0.0.1:${port}"\n${tracked}${instance("VI_1", 51, "192.0.2.10")}track_process = ["self"]\n`;
    const { daemon } = await start(host, config);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const before = await scrape();
    expect(before).toContain('vipd_instance_state{instance="VI_1",state="BACKUP"} 1');
    expect(before).toContain('vipd_vip_present{instance="VI_1",address="192.0.2.10/24"} 0');
    host.timers.advance(MASTER_DOWN_MS + 1);
    const after = await scrape();
    expect(after).toContain('vipd_instance_state{instance="VI_1",state="MASTER"} 1');
    expect(after).toContain('vipd_instance_became_master_total{instance="VI_1"} 1');
    expect(after).toContain('vipd_vip_present{instance="VI_1",address="192.0.2.10/24"} 1');
    expect(after).toContain('vipd_adverts_dropped_total{instance="VI_1",reason="bad-ttl"} 0');
    expect(after).toContain('vipd_adverts_dropped_unattributed_total{reason="ipv6-fragment"} 0');
    expect(after).toContain('vipd_track_process_up{tracker="self"} 1');
    expect(after).toMatch(/vipd_track_process_running\{tracker="self"\} [1-9]/);
    expect(promtoolCheck(after)).toEqual({ exitCode: 0, output: "" });
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe("ok\n");
    await stop(daemon, host);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 30_000);

  test("[virtual_servers]: set up at start, a reload edits one real server in place, stop removes them; no IPVS without any", async () => {
    const plain = fakeHost();
    const { daemon: none } = await start(plain, instance("VI_1", 51, "192.0.2.10"));
    expect(plain.ipvsOpened()).toBe(0);
    await stop(none, plain);

    const host = fakeHost();
    const lvs = (weight: number) =>
      `[virtual_servers.web]\naddress = "203.0.113.10"\nport = 80\nprotocol = "tcp"\nlb_algo = "wrr"\n` +
      `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.21"\nweight = ${weight}\n` +
      `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.22"\nweight = 1\n`;
    const { daemon, configPath } = await start(host, `${lvs(2)}\n${instance("VI_1", 51, "192.0.2.10")}`);
    const weights = () => host.ipvs.services().flatMap((svc) => svc.destinations.map((d) => d.settings.weight));
    expect(host.ipvs.services().length).toBe(1);
    expect(weights()).toEqual([2, 1]);
    writeFileSync(configPath, `${lvs(5)}\n${instance("VI_1", 51, "192.0.2.10")}`);
    expect(daemon.reload()).toBe(true);
    expect(weights()).toEqual([5, 1]);
    await stop(daemon, host);
    expect(host.ipvs.services()).toEqual([]);

    // A load balancer without VRRP: only virtual servers.
    const alone = fakeHost();
    const { daemon: lb } = await start(alone, lvs(3));
    expect(lb.node.routers).toEqual([]);
    expect(alone.ipvs.services().length).toBe(1);
    await stop(lb, alone);
    expect(alone.ipvs.services()).toEqual([]);
  });

  test("the host's addresses are listed on address events only while ha_suspend needs them", async () => {
    const counted = (host: ReturnType<typeof fakeHost>) => {
      let lists = 0;
      const list = host.netlink.addresses.bind(host.netlink);
      host.netlink.addresses = (family, ifindex) => {
        lists++;
        return list(family, ifindex);
      };
      return () => lists;
    };
    const three = [instance("VI_1", 51, "192.0.2.10"), instance("VI_2", 52, "192.0.2.11"), instance("VI_3", 53, "192.0.2.12")].join("\n");
    const plain = fakeHost();
    const { daemon: vrrpOnly } = await start(plain, three);
    const plainLists = counted(plain);
    plain.timers.advance(MASTER_DOWN_MS + 1);
    expect(plainLists()).toBe(0);
    expect(plain.held()).toEqual(["192.0.2.10", "192.0.2.11", "192.0.2.12"]);
    await stop(vrrpOnly, plain);

    const host = fakeHost();
    const web =
      `[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\nha_suspend = true\n` +
      `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.21"\nTCP_CHECK = {}\n`;
    const { daemon, lines } = await start(host, `${web}\n${three}`);
    const lists = counted(host);
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(lists()).toBeGreaterThan(0);
    expect(lines).toContainEqual(expect.stringContaining("ha_suspend: checks of web resumed (192.0.2.10 now on this host)"));
    await stop(daemon, host);
  });

  test("checks: a real server failing its check leaves IPVS; status, `vipd status` and the metrics (promtool) show it", async () => {
    const host = fakeHost();
    const port = freePort();
    const config =
      `[metrics]\nlisten = "127.0.0.1:${port}"\n` +
      `[virtual_servers.web]\naddress = "203.0.113.10"\nport = 80\nprotocol = "tcp"\ndelay_loop = 1\nwarmup = 0\nretry = 0\n` +
      `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.21"\nTCP_CHECK = {}\n` +
      `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.22"\nTCP_CHECK = {}\n`;
    const { daemon, lines } = await start(host, config);
    host.checker.targets.set("198.51.100.22:80", { ok: false });
    for (let i = 0; i < 5; i++) {
      host.timers.advance(100);
      await Bun.sleep(1);
    }
    expect(host.ipvs.services()[0]!.destinations.map((d) => d.settings.weight)).toHaveLength(1);
    expect(lines.join("\n")).toContain("TCP_CHECK of 198.51.100.22:80 failed (ECONNREFUSED): down for web 198.51.100.22 (real_servers[1])");
    const status = (await (await fetch("http://localhost/status", { unix: join(dir, "status.sock") })).json()) as StatusSnapshot;
    expect(status.virtualServers![0]!.realServers.map((rs) => [rs.address, rs.alive, rs.weight])).toEqual([
      ["198.51.100.21", true, 1],
      ["198.51.100.22", false, null],
    ]);
    expect(status.virtualServers![0]!.realServers[1]!.checks[0]).toMatchObject({
      check: "TCP_CHECK of 198.51.100.22:80",
      up: false,
      last: { ok: false, reason: "ECONNREFUSED" },
    });
    expect(status.checker).toMatchObject({ distinctChecks: 2, restarts: 0 });
    expect(formatVirtualServers(status)).toContain(
      "web             198.51.100.22:-  DOWN    out     TCP_CHECK of 198.51.100.22:80: DOWN, last failed (ECONNREFUSED)",
    );
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('vipd_real_server_up{virtual_server="web",real_server="198.51.100.22:0"} 0');
    expect(metrics).toContain('vipd_check_up{virtual_server="web",real_server="198.51.100.21:0",check="TCP_CHECK of 198.51.100.21:80"} 1');
    expect(promtoolCheck(metrics)).toEqual({ exitCode: 0, output: "" });
    await stop(daemon, host);
    expect(host.checker.running).toBe(false);
  }, 30_000);

  test("without dynamic_interfaces a missing interface stops the start with the reason, and nothing is changed", async () => {
    const host = fakeHost();
    host.netlink.addAddress({ ifindex: 2, address: ip("192.0.2.10"), prefixlen: 24 });
    const started = start(host, instance("VI_2", 52, "198.51.100.10", "eth1"));
    await expect(started).rejects.toBeInstanceOf(DaemonStartError);
    await expect(started).rejects.toThrow("interface eth1 does not exist");
    expect(host.held()).toEqual(["192.0.2.10"]);
  });

  test("a link going down and up is logged as keepalived logs it, once per change", async () => {
    const host = fakeHost();
    const { daemon, lines } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    host.netlink.setLink(2, { carrier: false });
    host.netlink.setLink(2, { carrier: false });
    host.netlink.setLink(2, { carrier: true });
    expect(lines.filter((l) => l.startsWith("info netlink: Netlink reports"))).toEqual([
      "info netlink: Netlink reports eth0 down",
      "info netlink: Netlink reports eth0 up",
    ]);
    await stop(daemon, host);
  });

  test("a startup_script whose user does not resolve stops the start before anything runs", async () => {
    const host = fakeHost();
    const config = `[global]\nstartup_script = { command = "/bin/true", user = "ghost" }\n${instance("VI_1", 51, "192.0.2.10")}`;
    const started = start(host, config);
    await expect(started).rejects.toBeInstanceOf(DaemonStartError);
    await expect(started).rejects.toThrow("global.startup_script: no user ghost");
  });

  test("a fatal stop runs the shutdown_script too, with its timeout, after the VIPs are released and before exiting", async () => {
    const host = fakeHost();
    const configPath = join(dir, "config.toml");
    writeFileSync(
      configPath,
      `[global]\nshutdown_script = "/bin/true --fatal"\nshutdown_script_timeout = 3\n${instance("VI_1", 51, "192.0.2.10")}`,
    );
    const lines: string[] = [];
    const order: string[] = [];
    const runner: CommandRunner = async (options) => {
      order.push(`script ${options.argv.join(" ")} timeout ${options.timeoutMs} ms, VIPs held: ${host.held().length}`);
      return { exitCode: 0, signal: null, timedOut: false, spawnError: null, durationMs: 5, stderr: "", pid: 4321 };
    };
    const daemon = await startDaemon(
      {
        configPath,
        socketPath: join(dir, "status.sock"),
        ipvsRecordPath: join(dir, "ipvs-services"),
        vmacRecordPath: join(dir, "vmac-bases"),
        onFatal: (error) => order.push(`fatal ${(error as Error).message}`),
      },
      { adapters: () => host.adapters, logs: memoryLogs(lines), timers: host.timers, runner, spawnChecker: host.checker.spawn },
    );
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(host.held()).toEqual(["192.0.2.10"]);
    await daemon.fail(new Error("the core broke"));
    expect(order).toEqual(["script /bin/true --fatal timeout 3000 ms, VIPs held: 0", "fatal the core broke"]);
    expect(lines).toContain("info vipd: Running shutdown script /bin/true --fatal");
    expect(lines.some((l) => l.startsWith("info vipd: shutdown script /bin/true --fatal "))).toBe(true);
  });

  test("stop with handover keeps the VIPs until the core says it has stopped, bounded when no backup speaks", async () => {
    const host = fakeHost();
    const { daemon } = await start(host, instance("VI_1", 51, "192.0.2.10"));
    host.timers.advance(MASTER_DOWN_MS + 1);
    const stopped = daemon.stop();
    host.timers.advance(1000);
    expect(host.held()).toEqual(["192.0.2.10"]);
    expect(daemon.node.router("VI_1")!.state).toBe("STOPPING");
    // Nobody takes over: the core releases at the longest Master_Down_Interval of a backup (priority 1).
    host.timers.advance(3000);
    await Bun.sleep(1);
    expect(daemon.node.router("VI_1")!.state).toBe("STOP");
    expect(host.held()).toEqual([]);
    host.timers.advance(20_000);
    await stopped;
  });
});

describe("use_vmac on fake adapters", () => {
  test("the VMAC is created before the instance starts, carries the VIP and its announcements, and goes at stop", async () => {
    const host = fakeHost();
    const macvlans = new FakeMacvlanLinks(host.netlink);
    host.adapters.macvlans = () => macvlans;
    const { daemon } = await start(host, `${instance("VI_1", 51, "192.0.2.10")}use_vmac = true\n`);
    const vmac = macvlans.macvlans().find((m) => m.name === "vrrp.51");
    expect(vmac).toMatchObject({ parentIfindex: 2, mode: "private", up: true });
    expect(formatMac(vmac!.mac)).toBe("00:00:5e:00:01:33");
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("MASTER");
    expect(host.netlink.addresses(4, vmac!.ifindex).map((a) => formatIp(a.address))).toEqual(["192.0.2.10"]);
    expect(host.announcer.announced.map((a) => a.ifname)).toEqual(["vrrp.51"]);
    expect(macvlans.ipv4Settings(2)).toMatchObject({ arp_ignore: 1, arp_filter: 1, arp_announce: 2 });
    await stop(daemon, host);
    expect(macvlans.macvlans()).toEqual([]);
    expect(macvlans.ipv4Settings(2)).toMatchObject({ arp_ignore: 0, arp_filter: 0, arp_announce: 0 });
  });

  test("an instance whose VMAC cannot be created is FAULT, with the reason in the log; the others run", async () => {
    const host = fakeHost();
    const macvlans = new FakeMacvlanLinks(host.netlink);
    macvlans.refuse.add("vrrp.51");
    host.adapters.macvlans = () => macvlans;
    const config = `${instance("VI_1", 51, "192.0.2.10")}use_vmac = true\n${instance("VI_2", 52, "192.0.2.20")}`;
    const { daemon, lines } = await start(host, config);
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("FAULT");
    expect(daemon.node.router("VI_2")!.state).toBe("MASTER");
    expect(lines.join("\n")).toContain("instance VI_1: cannot set up VMAC vrrp.51 on eth0:");
    await stop(daemon, host);
  });

  test("a start that fails half-way (the status socket cannot be made: its directory is a file) removes the VMACs it made", async () => {
    const host = fakeHost();
    const macvlans = new FakeMacvlanLinks(host.netlink);
    host.adapters.macvlans = () => macvlans;
    let created = 0;
    const create = macvlans.create.bind(macvlans);
    macvlans.create = (spec) => {
      created++;
      return create(spec);
    };
    // The probe would refuse the path first (ENOTDIR): the failure wanted is the socket's, after the VMACs.
    host.adapters.controlSocketProbe = () => "free";
    const configPath = join(dir, "config.toml");
    writeFileSync(configPath, `${instance("VI_1", 51, "192.0.2.10")}use_vmac = true\n`);
    const starting = startDaemon(
      { configPath, socketPath: join(configPath, "status.sock"), vmacRecordPath: join(dir, "vmac-bases") },
      { adapters: () => host.adapters, logs: memoryLogs([]), timers: host.timers, runner: noScripts },
    );
    await expect(starting).rejects.toThrow(`mkdir '${configPath}'`);
    expect(created).toBeGreaterThan(0);
    expect(macvlans.macvlans()).toEqual([]);
  });

  test("without macvlan support in the adapters the instance is FAULT and says why", async () => {
    const host = fakeHost();
    const { daemon, lines } = await start(host, `${instance("VI_1", 51, "192.0.2.10")}use_vmac = true\n`);
    host.timers.advance(MASTER_DOWN_MS + 1);
    expect(daemon.node.router("VI_1")!.state).toBe("FAULT");
    expect(lines.join("\n")).toContain("this host's adapters cannot create macvlans");
    await stop(daemon, host);
  });
});

function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");
}
