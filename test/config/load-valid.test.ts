import { describe, expect, test } from "bun:test";
import { announceIntervalMs } from "../../src/config/garp-groups.ts";
import { toCore } from "../../src/config/to-core.ts";
import { errorsOf, FILE, instance, loadOk, warningsOf } from "./helpers.ts";

describe("defaults", () => {
  test("a minimal instance gets keepalived's defaults", () => {
    const config = loadOk(instance("VI_1"));
    const vi = config.instances[0]!;
    expect(vi).toMatchObject({
      name: "VI_1",
      state: "BACKUP",
      interface: "eth0",
      virtualRouterId: 51,
      priority: 100,
      advertIntervalCs: 100,
      version: 2,
      family: 4,
      nopreempt: false,
      preemptDelayMs: 0,
      srcIp: null,
      unicastPeers: [],
      authentication: null,
      smtpAlert: false,
      dontTrackPrimary: false,
    });
    expect(vi.garp).toEqual({
      masterDelayMs: 5000,
      masterRepeat: 5,
      lowerPrioDelayMs: 5000,
      lowerPrioRepeat: 5,
      masterRefreshMs: 0,
      masterRefreshRepeat: 1,
      extraIfRefreshMs: 0,
    });
    expect(config.global).toMatchObject({
      vrrpVersion: 2,
      vrrpMcastGroup4: "224.0.0.18",
      vrrpMcastGroup6: "ff02::12",
      enableScriptSecurity: false,
      smtpConnectTimeoutMs: 30_000,
      dynamicInterfaces: false,
      shutdownHandover: true,
      garpIntervalMs: 0,
      gnaIntervalMs: 0,
      notificationEmail: [],
    });
  });

  test('state = "MASTER" without priority means 255, as keepalived', () => {
    expect(loadOk(instance("VI_1", 'state = "MASTER"\n')).instances[0]!.priority).toBe(255);
    expect(loadOk(instance("VI_1", 'state = "MASTER"\npriority = 150\n')).instances[0]!.priority).toBe(150);
    expect(loadOk(instance("VI_1", 'state = "BACKUP"\n')).instances[0]!.priority).toBe(100);
  });

  test("IPv6 instances are VRRPv3 whatever the global version", () => {
    const text = `[instances.VI_6]\ninterface = "eth0"\nvirtual_router_id = 7\nvirtual_ipaddress = ["2001:db8::10/64"]\n`;
    const vi = loadOk(text).instances[0]!;
    expect(vi.family).toBe(6);
    expect(vi.version).toBe(3);
    expect(vi.virtualIpaddress[0]!.prefixLength).toBe(64);
  });

  test("version = 2 on an IPv6 instance is a warning and becomes 3", () => {
    const text = `[instances.VI_6]\ninterface = "eth0"\nvirtual_router_id = 7\nversion = 2\nvirtual_ipaddress = ["2001:db8::10"]\n`;
    expect(loadOk(text).instances[0]!.version).toBe(3);
    expect(warningsOf(text)).toEqual([
      "/etc/vipd/config.toml:4: instances.VI_6.version: IPv6 instances always use VRRPv3; version = 2 is ignored",
    ]);
  });

  test("global vrrp_version is the default of instances", () => {
    expect(loadOk(`[global]\nvrrp_version = 3\n${instance("VI_1")}`).instances[0]!.version).toBe(3);
  });
});

describe("advert_int", () => {
  const interval = (extra: string) => loadOk(instance("VI_1", extra)).instances[0]!.advertIntervalCs;

  test("v2 whole seconds to centiseconds", () => {
    expect(interval("advert_int = 1\n")).toBe(100);
    expect(interval("advert_int = 3\n")).toBe(300);
    expect(interval("advert_int = 255\n")).toBe(25500);
    expect(interval("advert_int = 2.0\n")).toBe(200);
  });

  test("v3 fractions of a second in centiseconds", () => {
    expect(interval("version = 3\nadvert_int = 0.01\n")).toBe(1);
    expect(interval("version = 3\nadvert_int = 0.35\n")).toBe(35);
    expect(interval("version = 3\nadvert_int = 1.1\n")).toBe(110);
    expect(interval("version = 3\nadvert_int = 40.95\n")).toBe(4095);
  });
});

describe("instance keys", () => {
  test("preempt, source, peers, flags", () => {
    const vi = loadOk(
      instance(
        "VI_1",
        `nopreempt = true
preempt_delay = 2.5
accept = true
unicast_src_ip = "192.0.2.2"
unicast_peer = ["192.0.2.3", "192.0.2.4"]
skip_check_adv_addr = true
version = 3
v3_checksum_as_v2 = true
dont_track_primary = true
smtp_alert = true
notify_fifo = "/run/vipd.fifo"
`,
      ),
    ).instances[0]!;
    expect(vi).toMatchObject({
      nopreempt: true,
      preemptDelayMs: 2500,
      srcIp: "192.0.2.2",
      unicastPeers: ["192.0.2.3", "192.0.2.4"],
      skipCheckAdvAddr: true,
      v3ChecksumAsV2: true,
      dontTrackPrimary: true,
      smtpAlert: true,
      notifyFifo: "/run/vipd.fifo",
    });
  });

  test("mcast_src_ip is the same setting as unicast_src_ip", () => {
    expect(loadOk(instance("VI_1", 'mcast_src_ip = "192.0.2.2"\n')).instances[0]!.srcIp).toBe("192.0.2.2");
  });

  test("PASS authentication; long passwords are cut to 8 with a warning", () => {
    const text = instance("VI_1", 'authentication = { auth_type = "PASS", auth_pass = "0123456789" }\n');
    expect(loadOk(text).instances[0]!.authentication).toEqual({ type: "PASS", password: "01234567" });
    expect(warningsOf(text)).toEqual([
      "/etc/vipd/config.toml:5: instances.VI_1.authentication.auth_pass: only the first 8 characters are used, as keepalived does",
    ]);
  });

  test("authentication is ignored with a warning for v3", () => {
    const text = instance("VI_1", 'version = 3\nauthentication = { auth_type = "PASS", auth_pass = "x" }\n');
    expect(loadOk(text).instances[0]!.authentication).toBeNull();
    expect(warningsOf(text)).toEqual([
      "/etc/vipd/config.toml:6: instances.VI_1.authentication: ignored: VRRPv3 has no authentication (keepalived ignores it too)",
    ]);
  });

  test("authentication as a sub-table", () => {
    const text = `${instance("VI_1")}[instances.VI_1.authentication]\nauth_type = "PASS"\nauth_pass = "1111"\n`;
    expect(loadOk(text).instances[0]!.authentication).toEqual({ type: "PASS", password: "1111" });
  });

  test("virtual addresses in both forms", () => {
    const vi = loadOk(`[instances.VI_1]
interface = "eth0"
virtual_router_id = 1
virtual_ipaddress = [
  "192.0.2.10",
  "192.0.2.11/24 dev eth1 label eth1:1 scope global brd 192.0.2.255",
  { address = "192.0.2.12/25", dev = "eth2", brd = "+" },
]
virtual_ipaddress_excluded = ["2001:db8::1/64 dev eth0", "198.51.100.9/32"]
`).instances[0]!;
    expect(vi.virtualIpaddress.map(({ bytes: _, ...v }) => v)).toEqual([
      { address: "192.0.2.10", family: 4, prefixLength: 32, dev: null, label: null, scope: null, brd: null },
      { address: "192.0.2.11", family: 4, prefixLength: 24, dev: "eth1", label: "eth1:1", scope: "global", brd: "192.0.2.255" },
      { address: "192.0.2.12", family: 4, prefixLength: 25, dev: "eth2", label: null, scope: null, brd: "+" },
    ]);
    expect(vi.virtualIpaddress[0]!.bytes).toEqual(new Uint8Array([192, 0, 2, 10]));
    expect(vi.virtualIpaddressExcluded.map((v) => `${v.address}/${v.prefixLength}`)).toEqual(["2001:db8::1/64", "198.51.100.9/32"]);
  });

  test("routes and rules keep the line and the fields vipd uses", () => {
    const vi = loadOk(
      instance(
        "VI_1",
        `virtual_routes = [
  "src 192.0.2.1 198.51.100.0/24 via 192.0.2.254 dev eth1",
  "blackhole 203.0.113.1/32",
  "0.0.0.0/0 gw 192.0.2.1 table 100",
  "203.0.113.0/24 via 192.0.2.252 or 192.0.2.253",
]
virtual_rules = ["from 192.0.2.0/24 table 2 priority 100", "to 198.51.100.0/24 lookup main pref 5 no_track"]
`,
      ),
    ).instances[0]!;
    expect(vi.virtualRoutes).toEqual([
      {
        raw: "src 192.0.2.1 198.51.100.0/24 via 192.0.2.254 dev eth1",
        destination: "198.51.100.0/24",
        src: "192.0.2.1",
        via: "192.0.2.254",
        dev: "eth1",
        table: null,
        type: null,
      },
      { raw: "blackhole 203.0.113.1/32", destination: "203.0.113.1/32", src: null, via: null, dev: null, table: null, type: "blackhole" },
      {
        raw: "0.0.0.0/0 gw 192.0.2.1 table 100",
        destination: "0.0.0.0/0",
        src: null,
        via: "192.0.2.1",
        dev: null,
        table: "100",
        type: null,
      },
      {
        raw: "203.0.113.0/24 via 192.0.2.252 or 192.0.2.253",
        destination: "203.0.113.0/24",
        src: null,
        via: "192.0.2.252",
        dev: null,
        table: null,
        type: null,
      },
    ]);
    expect(vi.virtualRules).toEqual([
      { raw: "from 192.0.2.0/24 table 2 priority 100", from: "192.0.2.0/24", to: null, table: "2", priority: 100 },
      { raw: "to 198.51.100.0/24 lookup main pref 5 no_track", from: null, to: "198.51.100.0/24", table: "main", priority: 5 },
    ]);
  });

  test("track references in string and table form", () => {
    const config = loadOk(`
[scripts.chk]
script = "/usr/bin/true"
weight = -10
[track_files.tf]
file = "/run/tf"
${instance(
  "VI_1",
  `track_interface = ["eth1", "eth2 weight -20", "eth3 weight 10 reverse", { name = "eth4", weight = 5 }]
track_script = ["chk", "chk weight 30 noreverse", { name = "chk", reverse = true }]
track_file = ["tf weight -3"]
`,
)}`);
    const vi = config.instances[0]!;
    expect(vi.trackInterface).toEqual([
      { name: "eth1", weight: 0, reverse: null },
      { name: "eth2", weight: -20, reverse: null },
      { name: "eth3", weight: 10, reverse: true },
      { name: "eth4", weight: 5, reverse: null },
    ]);
    expect(vi.trackScript).toEqual([
      { name: "chk", weight: null, reverse: null },
      { name: "chk", weight: 30, reverse: false },
      { name: "chk", weight: null, reverse: true },
    ]);
    expect(vi.trackFile).toEqual([{ name: "tf", weight: -3, reverse: null }]);
  });

  test("notify commands: quoted words, and the table form with user and group", () => {
    const vi = loadOk(
      instance(
        "VI_1",
        `notify_master = "/usr/local/bin/vrrp.sh  MASTER 'VI 1' \\"x y\\""
notify = { command = "/usr/local/bin/notify", user = "vipd", group = "adm" }
`,
      ),
    ).instances[0]!;
    expect(vi.notify.master).toEqual({
      raw: `/usr/local/bin/vrrp.sh  MASTER 'VI 1' "x y"`,
      argv: ["/usr/local/bin/vrrp.sh", "MASTER", "VI 1", "x y"],
      runAs: null,
    });
    expect(vi.notify.any).toEqual({ raw: "/usr/local/bin/notify", argv: ["/usr/local/bin/notify"], runAs: { user: "vipd", group: "adm" } });
    expect(vi.notify.backup).toBeNull();
  });

  test("instance garp settings override the global ones; lower_prio follows master unless set", () => {
    const config = loadOk(`[global]
garp_master_repeat = 3
garp_master_refresh = 60
garp_interval = 0.001
gna_interval = 0.002
${instance("A", "garp_master_delay = 10\n", 1)}
${instance("B", "garp_lower_prio_repeat = 1\ngarp_master_refresh_repeat = 2\n", 2)}`);
    expect(config.global.garp).toEqual({
      masterDelayMs: 5000,
      masterRepeat: 3,
      lowerPrioDelayMs: 5000,
      lowerPrioRepeat: 3,
      masterRefreshMs: 60000,
      masterRefreshRepeat: 1,
      extraIfRefreshMs: 0,
    });
    expect(config.global.garpIntervalMs).toBe(1);
    expect(config.global.gnaIntervalMs).toBe(2);
    expect(config.instances[0]!.garp).toEqual({ ...config.global.garp, masterDelayMs: 10000, lowerPrioDelayMs: 10000 });
    expect(config.instances[1]!.garp).toEqual({ ...config.global.garp, lowerPrioRepeat: 1, masterRefreshRepeat: 2 });
  });
});

describe("elections (lower_prio_no_advert, higher_prio_send_advert, down_timer_adverts)", () => {
  test("vipd's defaults: answer a lower priority, advertise before yielding, three adverts to master-down", () => {
    const config = loadOk(instance("A"));
    expect(config.global.election).toEqual({ lowerPrioNoAdvert: false, higherPrioSendAdvert: true, downTimerAdverts: 3 });
    expect(config.instances[0]!.election).toEqual(config.global.election);
  });

  test("[global] sets every instance's default; an instance's own keys win", () => {
    const config = loadOk(`[global]
lower_prio_no_advert = true
higher_prio_send_advert = false
down_timer_adverts = 5
${instance("A", "", 1)}
${instance("B", "lower_prio_no_advert = false\ndown_timer_adverts = 1\n", 2)}`);
    expect(config.instances[0]!.election).toEqual({ lowerPrioNoAdvert: true, higherPrioSendAdvert: false, downTimerAdverts: 5 });
    expect(config.instances[1]!.election).toEqual({ lowerPrioNoAdvert: false, higherPrioSendAdvert: false, downTimerAdverts: 1 });
  });

  test("down_timer_adverts outside keepalived's 1..100 is an error", () => {
    expect(errorsOf(instance("A", "down_timer_adverts = 0\n"))).toEqual([
      `${FILE}:5: instances.A.down_timer_adverts: must be an integer from 1 to 100, got 0`,
    ]);
    expect(errorsOf(`[global]\ndown_timer_adverts = 101\n${instance("A")}`)).toEqual([
      `${FILE}:2: global.down_timer_adverts: must be an integer from 1 to 100, got 101`,
    ]);
  });
});

describe("track_processes", () => {
  const tracked = (body: string, ref = '"web"') => `[track_processes.web]\n${body}\n${instance("A", `track_process = [${ref}]\n`)}`;

  test("keepalived's defaults: comm compared, quorum 1, no maximum, weight 1, no delay; the instance's tracker", () => {
    const config = loadOk(tracked('process = "haproxy"'));
    expect(config.trackProcesses).toEqual([
      {
        name: "web",
        process: "haproxy",
        parameters: [],
        paramMatch: "none",
        fullCommand: false,
        weight: 1,
        reverse: false,
        quorum: 1,
        quorumMax: null,
        forkDelayMs: 0,
        terminateDelayMs: 0,
      },
    ]);
    expect(config.global.trackProcessIntervalMs).toBe(1000);
    const core = toCore(config, () => new Uint8Array([192, 0, 2, 2]));
    expect(core.ok && core.node.instances[0]!.trackers.at(-1)).toEqual({ name: "process:web", kind: "status", weight: 1, reverse: false });
    const own = toCore(loadOk(tracked('process = "haproxy"', '"web weight -30 reverse"')), () => new Uint8Array([192, 0, 2, 2]));
    expect(own.ok && own.node.instances[0]!.trackers.at(-1)).toMatchObject({ weight: -30, reverse: true });
  });

  test("parameters imply an exact match of the command line; delay sets both delays; quorum_max 0 means quorum 0", () => {
    const config = loadOk(
      tracked('process = "/usr/sbin/haproxy"\nparameters = ["-f", "/etc/h.cfg"]\ndelay = 2\nterminate_delay = 5\nquorum_max = 0'),
    );
    expect(config.trackProcesses[0]).toMatchObject({
      paramMatch: "exact",
      fullCommand: true,
      forkDelayMs: 2000,
      terminateDelayMs: 5000,
      quorum: 0,
      quorumMax: 0,
    });
  });

  test("mistakes: no process, quorum_max below quorum, full_command = false with parameters, an unknown name", () => {
    expect(errorsOf(tracked("weight = 2"))).toEqual([
      `${FILE}:1: track_processes.web.process: missing; required: a process name (or argv[0] with full_command)`,
    ]);
    expect(errorsOf(tracked('process = "x"\nquorum = 3\nquorum_max = 2'))).toEqual([
      `${FILE}:4: track_processes.web.quorum_max: 2 is below quorum 3`,
    ]);
    expect(errorsOf(tracked('process = "x"\nparam_match = "partial"\nfull_command = false'))).toEqual([
      `${FILE}:4: track_processes.web.full_command: false, but parameters are compared with the command line, which needs it`,
    ]);
    expect(errorsOf(tracked('process = "x"', '"wbe"'))[0]).toContain('no track process "wbe"; define it as [track_processes.wbe]');
    expect(warningsOf(tracked('process = "a-very-long-process-name"'))).toEqual([
      `${FILE}:2: track_processes.web.process: is longer than the 15 characters the kernel keeps of a process name: it never matches without full_command = true`,
    ]);
  });
});

describe("garp_group", () => {
  test("per interface spacings, each family falling back to [global]'s when the group leaves it out", () => {
    const config = loadOk(`[global]
garp_interval = 0.001
gna_interval = 0.002
garp_group = [{ interfaces = ["eth1", "eth2"], garp_interval = 0.01 }, { interfaces = ["eth3"], gna_interval = 0.03 }]
${instance("A")}`);
    const g = config.global;
    expect(g.garpGroups).toEqual([
      { interfaces: ["eth1", "eth2"], garpIntervalMs: 10, gnaIntervalMs: null },
      { interfaces: ["eth3"], garpIntervalMs: null, gnaIntervalMs: 30 },
    ]);
    expect([announceIntervalMs(g, "eth2", 4), announceIntervalMs(g, "eth2", 6)]).toEqual([10, 2]);
    expect([announceIntervalMs(g, "eth3", 4), announceIntervalMs(g, "eth3", 6)]).toEqual([1, 30]);
    expect([announceIntervalMs(g, "eth0", 4), announceIntervalMs(g, "eth0", 6)]).toEqual([1, 2]);
  });

  test("an interface in two groups, a group without any interval, a missing interfaces list are errors", () => {
    const errors = errorsOf(`[global]
garp_group = [{ interfaces = ["eth1"], garp_interval = 0.01 }, { interfaces = ["eth1"], gna_interval = 1 }, { interfaces = ["eth2"] }, { garp_interval = 1 }]
${instance("A")}`);
    expect(errors).toEqual([
      `${FILE}:2: global.garp_group[1].interfaces[0]: eth1 is already in garp_group[0]`,
      `${FILE}:2: global.garp_group[2]: sets neither garp_interval nor gna_interval`,
      `${FILE}:2: global.garp_group[3].interfaces: missing; required: a list of interface names`,
    ]);
  });
});

describe("interface_up_down_delays", () => {
  test("per interface {down, up} in seconds, up 0 when left out; none by default", () => {
    expect(loadOk(instance("A")).global.interfaceUpDownDelays).toEqual({});
    const config = loadOk(
      `[global]\ninterface_up_down_delays = { eth0 = { down = 2, up = 0.5 }, "eth1.100" = { down = 1 } }\n${instance("A")}`,
    );
    expect(config.global.interfaceUpDownDelays).toEqual({ eth0: { downMs: 2000, upMs: 500 }, "eth1.100": { downMs: 1000, upMs: 0 } });
  });

  test("a value that is not {down, up} of 0..255 seconds is an error", () => {
    const errors = errorsOf(
      `[global]\ninterface_up_down_delays = { eth0 = 2, eth1 = { up = 1 }, eth2 = { down = 256 } }\n${instance("A")}`,
    );
    expect(errors).toEqual([
      `${FILE}:2: global.interface_up_down_delays.eth0: must be a table {down, up} of seconds`,
      `${FILE}:2: global.interface_up_down_delays.eth1.down: missing; required: seconds from 0 to 255`,
      `${FILE}:2: global.interface_up_down_delays.eth2.down: must be a number of seconds from 0 to 255, got 256`,
    ]);
  });
});

describe("vrrp_startup_delay", () => {
  test("seconds (fractions allowed) to the core's node, 0 by default; over an hour is an error", () => {
    expect(loadOk(instance("A")).global.startupDelayMs).toBe(0);
    expect(loadOk(`[global]\nvrrp_startup_delay = 5.5\n${instance("A")}`).global.startupDelayMs).toBe(5500);
    expect(errorsOf(`[global]\nvrrp_startup_delay = 3601\n${instance("A")}`)[0]).toStartWith(
      `${FILE}:2: global.vrrp_startup_delay: must be`,
    );
  });
});

describe("unicast sources (check_unicast_src, a peer's min_ttl / max_ttl)", () => {
  const peers = (list: string, extra = "") => instance("A", `unicast_peer = ${list}\n${extra}`);

  test("checked by default (vipd; keepalived only with check_unicast_src); [global] and the instance can turn it off", () => {
    expect(loadOk(peers('["192.0.2.3"]')).instances[0]!.checkUnicastSrc).toBe(true);
    expect(loadOk(`[global]\ncheck_unicast_src = false\n${peers('["192.0.2.3"]')}`).instances[0]!.checkUnicastSrc).toBe(false);
    expect(loadOk(peers('["192.0.2.3"]', "check_unicast_src = false\n")).instances[0]!.checkUnicastSrc).toBe(false);
  });

  test('"ADDRESS min_ttl N max_ttl N": a range per peer, 0..255 where none is written; a range turns the check on', () => {
    const config = loadOk(
      `[global]\ncheck_unicast_src = false\n${peers('["192.0.2.3 min_ttl 250", "192.0.2.4", "192.0.2.5 max_ttl 64 min_ttl 60"]')}`,
    );
    const vi = config.instances[0]!;
    expect(vi.unicastPeers).toEqual(["192.0.2.3", "192.0.2.4", "192.0.2.5"]);
    expect(vi.unicastPeerTtl).toEqual([
      { min: 250, max: 255 },
      { min: 0, max: 255 },
      { min: 60, max: 64 },
    ]);
    expect(vi.checkUnicastSrc).toBe(true);
  });

  test("unicast_ttl: 1..255 with unicast peers, null (255) by default; without peers an error", () => {
    expect(loadOk(peers('["192.0.2.3"]')).instances[0]!.unicastTtl).toBeNull();
    expect(loadOk(peers('["192.0.2.3"]', "unicast_ttl = 2\n")).instances[0]!.unicastTtl).toBe(2);
    expect(errorsOf(instance("A", "unicast_ttl = 2\n"))).toEqual([
      `${FILE}:5: instances.A.unicast_ttl: needs unicast_peer: multicast adverts always carry 255`,
    ]);
    expect(errorsOf(peers('["192.0.2.3"]', "unicast_ttl = 0\n"))[0]).toStartWith(
      `${FILE}:6: instances.A.unicast_ttl: must be an integer from 1 to 255`,
    );
  });

  test("a broken range, or a range with the check turned off, is an error", () => {
    expect(errorsOf(peers('["192.0.2.3 min_ttl 300"]'))).toEqual([
      `${FILE}:5: instances.A.unicast_peer[0]: min_ttl must be an integer from 0 to 255, got "300"`,
    ]);
    expect(errorsOf(peers('["192.0.2.3 min_ttl 9 max_ttl 8"]'))).toEqual([
      `${FILE}:5: instances.A.unicast_peer[0]: min_ttl 9 is above max_ttl 8: every advert would be dropped`,
    ]);
    expect(errorsOf(peers('["192.0.2.3 ttl 9"]'))).toEqual([
      `${FILE}:5: instances.A.unicast_peer[0]: unknown option "ttl" (the form is "ADDRESS [min_ttl N] [max_ttl N]")`,
    ]);
    expect(errorsOf(peers('["192.0.2.3 max_ttl 9"]', "check_unicast_src = false\n"))).toEqual([
      `${FILE}:6: instances.A.check_unicast_src: false, but unicast peer 192.0.2.3 has a TTL range, which only that check applies`,
    ]);
  });
});

describe("other sections", () => {
  test("scripts, track files and sync groups with their defaults", () => {
    const config = loadOk(`
[global]
script_user = "vipd_script vipd"

[scripts.chk_a]
script = "/usr/bin/pgrep -x haproxy"

[scripts.chk_b]
script = "/usr/bin/check"
interval = 0.5
timeout = 0.25
weight = -20
reverse = true
rise = 2
fall = 3
user = "nobody"
init_fail = true

[track_files.f1]
file = "/run/f1"

[track_files.f2]
file = "/run/f2"
weight = -2
reverse = true
init_file = { value = 5, overwrite = true }

[sync_groups.G1]
group = ["A", "B"]
notify_backup = "/usr/bin/backup.sh"
smtp_alert = true

${instance("A", 'track_script = ["chk_a", "chk_b"]\ntrack_file = ["f1", "f2"]\n', 1)}
${instance("B", "", 2)}`);
    expect(config.global.scriptUser).toEqual({ user: "vipd_script", group: "vipd" });
    expect(config.scripts).toEqual([
      {
        name: "chk_a",
        script: { raw: "/usr/bin/pgrep -x haproxy", argv: ["/usr/bin/pgrep", "-x", "haproxy"], runAs: null },
        intervalMs: 1000,
        timeoutMs: null,
        weight: 0,
        reverse: false,
        rise: 1,
        fall: 1,
        initFail: false,
      },
      {
        name: "chk_b",
        script: { raw: "/usr/bin/check", argv: ["/usr/bin/check"], runAs: { user: "nobody", group: null } },
        intervalMs: 500,
        timeoutMs: 250,
        weight: -20,
        reverse: true,
        rise: 2,
        fall: 3,
        initFail: true,
      },
    ]);
    expect(config.trackFiles).toEqual([
      { name: "f1", file: "/run/f1", weight: 1, reverse: false, initFile: null },
      { name: "f2", file: "/run/f2", weight: -2, reverse: true, initFile: { value: 5, overwrite: true } },
    ]);
    expect(config.syncGroups).toEqual([
      {
        name: "G1",
        group: ["A", "B"],
        notify: {
          master: null,
          backup: { raw: "/usr/bin/backup.sh", argv: ["/usr/bin/backup.sh"], runAs: null },
          fault: null,
          stop: null,
          any: null,
        },
        smtpAlert: true,
        syncGroupTrackingWeight: false,
      },
    ]);
  });

  test("grouped instances get their tracking weights zeroed, with a warning", () => {
    const text = `[scripts.chk]
script = "/usr/bin/true"
weight = -20
[sync_groups.G]
group = ["A", "B"]
${instance("A", 'track_script = ["chk", "chk weight 0"]\n', 1)}
${instance("B", "", 2)}`;
    const config = loadOk(text);
    expect(config.instances[0]!.trackScript).toEqual([
      { name: "chk", weight: 0, reverse: null },
      { name: "chk", weight: 0, reverse: null },
    ]);
    expect(warningsOf(text)).toEqual([
      "/etc/vipd/config.toml:1: global.enable_script_security: is off and global.script_user is not set: scripts run as root and nothing checks that only root can change them",
      "/etc/vipd/config.toml:10: instances.A.track_script[0]: weight -20 is set to 0 because A is in sync group G (set sync_group_tracking_weight = true to keep it)",
    ]);
    const kept = loadOk(text.replace('group = ["A", "B"]', 'group = ["A", "B"]\nsync_group_tracking_weight = true'));
    expect(kept.instances[0]!.trackScript[0]!.weight).toBeNull();
  });

  test("warnings for things that are accepted but do nothing", () => {
    const text = `[scripts.unused]
script = "/usr/bin/true"
[sync_groups.G]
group = ["A"]
${instance("A", 'state = "MASTER"\nnopreempt = true\ntrack_interface = ["eth0"]\n')}
[instances.B]
interface = "eth1"
virtual_router_id = 2
`;
    expect(warningsOf(text)).toEqual([
      "/etc/vipd/config.toml:1: scripts.unused: is not tracked by any instance and will not run",
      "/etc/vipd/config.toml:1: global.enable_script_security: is off and global.script_user is not set: scripts run as root and nothing checks that only root can change them",
      "/etc/vipd/config.toml:4: sync_groups.G.group: has a single instance; a group needs two to do anything",
      '/etc/vipd/config.toml:10: instances.A.nopreempt: is cleared by state = "MASTER" (as keepalived does); use state = "BACKUP"',
      "/etc/vipd/config.toml:11: instances.A.track_interface[0]: eth0 is the instance's own interface, already tracked (down means FAULT) unless dont_track_primary = true",
      "/etc/vipd/config.toml:13: instances.B.virtual_ipaddress: no virtual addresses: adverts will carry none",
    ]);
  });

  test("the same VRID is fine on another interface or family", () => {
    const config = loadOk(`${instance("A", "", 5)}
[instances.B]
interface = "eth1"
virtual_router_id = 5
[instances.C]
interface = "eth0"
virtual_router_id = 5
virtual_ipaddress = ["2001:db8::5"]
`);
    expect(config.instances.map((i) => `${i.interface}/${i.family}/${i.virtualRouterId}`)).toEqual(["eth0/4/5", "eth1/4/5", "eth0/6/5"]);
  });
});

describe("[metrics]", () => {
  test("off without the section; listen defaults to the loopback address, port 9650; IPv6 in brackets", () => {
    expect(loadOk(instance("VI_1")).metrics).toBeNull();
    expect(loadOk(`[metrics]\n${instance("VI_1")}`).metrics).toEqual({ host: "127.0.0.1", port: 9650 });
    expect(loadOk(`[metrics]\nlisten = "[2001:db8::1]:9100"\n${instance("VI_1")}`).metrics).toEqual({ host: "2001:db8::1", port: 9100 });
  });

  test("a bad listen names the key and the form", () => {
    expect(errorsOf(`[metrics]\nlisten = "9650"\n${instance("VI_1")}`)).toEqual([
      `${FILE}:2: metrics.listen: must be "HOST:PORT" (or "[IPV6]:PORT") with a port 1..65535, got "9650"`,
    ]);
    expect(errorsOf(`[metrics]\nport = 1\n${instance("VI_1")}`)[0]).toContain("metrics.port: unknown key");
  });
});

test("scripts with enable_script_security off and no script_user: a warning, as keepalived gives", () => {
  const scripts = `[scripts.chk]\nscript = "/usr/bin/true"\n${instance("VI_1", 'track_script = ["chk"]\n')}`;
  const unchecked =
    "/etc/vipd/config.toml:1: global.enable_script_security: is off and global.script_user is not set: scripts run as root and nothing checks that only root can change them";
  expect(warningsOf(scripts)).toEqual([unchecked]);
  expect(warningsOf(instance("VI_1", 'notify_master = "/usr/bin/true"\n'))).toEqual([unchecked]);
  expect(warningsOf(`[global]\nscript_user = "nobody"\n${scripts}`)).toEqual([]);
  expect(warningsOf(`[global]\nenable_script_security = true\n${scripts}`)).toEqual([]);
  expect(warningsOf(instance("VI_1", ""))).toEqual([]);
});
