// One keepalived feature per test: a small keepalived.conf → the TOML fragment expected and what vipd's loader
// makes of it, so each mapping decision is checked against the schema that will run it.

import { describe, expect, test } from "bun:test";
import { loadConfigText } from "../../src/config/load.ts";
import { formatConfigError } from "../../src/config/config-error.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import { formatFinding } from "../../src/convert/convert-context.ts";
import { convertKeepalived, type ConvertResult } from "../../src/convert/convert.ts";
import { formatDiagnostic } from "../../src/convert/types.ts";
import { memoryFs } from "./memory-fs.ts";

const FILE = "/etc/keepalived/keepalived.conf";

function convert(text: string, configIds: string[] = []): ConvertResult {
  return convertKeepalived(FILE, { fs: memoryFs({ [FILE]: text }), configIds });
}

/** Converts, requires success, loads with vipd's loader and returns both. */
function convertAndLoad(
  text: string,
  configIds: string[] = [],
): { result: ConvertResult; toml: string; config: VipdConfig; warnings: string[] } {
  const result = convert(text, configIds);
  expect(result.errors.map(formatDiagnostic)).toEqual([]);
  const toml = result.toml!;
  const loaded = loadConfigText(toml, "converted.toml", { checkPrograms: false });
  if (!loaded.ok) throw new Error(`${loaded.errors.map(formatConfigError).join("\n")}\n--- TOML ---\n${toml}`);
  return { result, toml, config: loaded.config, warnings: result.findings.map((f) => formatFinding(f, "")) };
}

/** A minimal instance around `body`. */
function instance(body: string, name = "VI_1"): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n${body}\n}\n`;
}

describe("state", () => {
  test('only "MASTER" is master: "master" runs as BACKUP, with a warning', () => {
    const { toml, config, warnings, result } = convertAndLoad(instance("  state master"));
    expect(toml).toContain('state = "BACKUP"');
    expect(config.instances[0]!.state).toBe("BACKUP");
    expect(config.instances[0]!.priority).toBe(100);
    expect(warnings).toEqual([
      `:7: state: 'master' is not "MASTER": keepalived is case-sensitive and runs it as BACKUP, written as "BACKUP" (write "MASTER" exactly to make it master)`,
    ]);
    expect(result.lossy).toBe(false);
  });

  test("MASTER without priority is written as priority 255, with the reason", () => {
    const { toml, config } = convertAndLoad(instance("  state MASTER"));
    expect(toml).toContain('state = "MASTER"\n');
    expect(toml).toContain("priority = 255  # keepalived: state MASTER without a priority means 255 (address owner)");
    expect(config.instances[0]!.priority).toBe(255);
  });

  test("MASTER clears nopreempt and preempt_delay, as keepalived does", () => {
    const { toml, config, warnings } = convertAndLoad(instance("  state MASTER\n  priority 100\n  nopreempt\n  preempt_delay 5"));
    expect(toml).not.toContain("nopreempt =");
    expect(toml).not.toContain("preempt_delay =");
    expect(config.instances[0]!.nopreempt).toBe(false);
    expect(config.instances[0]!.preemptDelayMs).toBe(0);
    expect(warnings).toEqual([
      ':9: nopreempt: keepalived clears it with state MASTER ("nopreempt will not work"), left out',
      ':10: preempt_delay: keepalived clears it with state MASTER ("preempt delay will not work"), left out',
    ]);
  });

  test("BACKUP keeps nopreempt and preempt_delay; preempt is a silent no-op", () => {
    const { config, warnings } = convertAndLoad(instance("  state BACKUP\n  priority 90\n  nopreempt\n  preempt\n  preempt_delay 2.5"));
    expect(config.instances[0]!.nopreempt).toBe(true);
    expect(config.instances[0]!.preemptDelayMs).toBe(2500);
    expect(warnings).toEqual([]);
  });
});

describe("authentication", () => {
  test("PASS is kept; a long password is cut to 8 characters like keepalived", () => {
    const { toml, config, warnings } = convertAndLoad(instance("  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }"));
    expect(toml).toContain('authentication = { auth_type = "PASS", auth_pass = "12345678" }');
    expect(config.instances[0]!.authentication).toEqual({ type: "PASS", password: "12345678" });
    expect(warnings).toEqual([':9: auth_pass: longer than 8 characters: keepalived uses the first 8 ("12345678"), written that way']);
  });

  test("AH is kept; state MASTER with AH is written as BACKUP, as keepalived clears it (but not for the owner)", () => {
    const ah = "  authentication {\n    auth_type AH\n    auth_pass Aa123456\n  }";
    const { toml, config, result, warnings } = convertAndLoad(instance(`  state MASTER\n  priority 100\n${ah}`));
    expect(toml).toContain('authentication = { auth_type = "AH", auth_pass = "Aa123456" }');
    expect(config.instances[0]!.authentication).toEqual({ type: "AH", password: "Aa123456" });
    expect(config.instances[0]!.state).toBe("BACKUP");
    expect(result.lossy).toBe(false);
    expect(warnings).toEqual([':7: state: keepalived clears state MASTER with AH authentication ("incompatible"), written as "BACKUP"']);
    // Without a priority, state MASTER means 255 in keepalived: the owner starts MASTER, AH or not.
    const owner = convertAndLoad(instance(`  state MASTER\n${ah}`));
    expect([owner.config.instances[0]!.state, owner.config.instances[0]!.priority, owner.warnings]).toEqual(["MASTER", 255, []]);
  });

  test("auth_pass on the auth_type line is not read by keepalived: it runs without authentication, so does vipd", () => {
    const { toml, config, warnings, result } = convertAndLoad(
      instance("  state MASTER\n  priority 100\n  authentication { auth_type AH  auth_pass Aa123456 }"),
    );
    expect(toml).not.toContain("authentication =");
    expect(config.instances[0]!.authentication).toBeNull();
    expect(config.instances[0]!.state).toBe("MASTER"); // no AH, so keepalived keeps state MASTER too
    expect(result.lossy).toBe(false);
    expect(warnings).toEqual([
      ":9: auth_type: keepalived reads only 'AH' and ignores the rest of the line ('auth_pass Aa123456')",
      ':9: auth_type: AH without auth_pass: keepalived ignores the authentication ("no password given"), left out',
    ]);
  });

  test("AH with VRRPv3 is ignored as keepalived ignores it, and state MASTER stays", () => {
    const { toml, config, warnings } = convertAndLoad(
      instance("  version 3\n  state MASTER\n  priority 100\n  authentication {\n    auth_type AH\n    auth_pass x\n  }"),
    );
    expect(toml).not.toContain("authentication =");
    expect(config.instances[0]!.state).toBe("MASTER");
    expect(warnings).toEqual([":10: authentication: VRRPv3 has no authentication: keepalived ignores it, left out"]);
  });

  test("VRRPv3 ignores authentication, as keepalived does", () => {
    const { toml, warnings } = convertAndLoad(instance("  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }"));
    expect(toml).not.toContain("authentication =");
    expect(warnings).toEqual([":8: authentication: VRRPv3 has no authentication: keepalived ignores it, left out"]);
  });
});

describe("virtual addresses, routes and rules", () => {
  test("dev, label, scope and brd are kept; other options are reported and the address stays", () => {
    const text = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    192.0.2.10/24 dev eth1 label eth1:vip scope global brd 192.0.2.255
    192.0.2.11/24 no_track
    192.0.2.12
  }
  virtual_ipaddress_excluded {
    2001:db8::10/64 dev eth0 preferred_lft forever
  }
}
`;
    const { toml, config, result, warnings } = convertAndLoad(text);
    expect(toml).toContain('"192.0.2.10/24 dev eth1 label eth1:vip scope global brd 192.0.2.255"');
    const vips = config.instances[0]!.virtualIpaddress;
    expect(vips.map((v) => [v.address, v.prefixLength, v.dev, v.label, v.scope, v.brd])).toEqual([
      ["192.0.2.10", 24, "eth1", "eth1:vip", "global", "192.0.2.255"],
      ["192.0.2.11", 24, null, null, null, null],
      ["192.0.2.12", 32, null, null, null, null],
    ]);
    expect(config.instances[0]!.virtualIpaddressExcluded.map((v) => [v.address, v.dev])).toEqual([["2001:db8::10", "eth0"]]);
    expect(warnings).toEqual([
      ":6: 192.0.2.11/24: not supported by vipd (no_track: left the instance MASTER when the address was deleted by someone else)",
      ":10: 2001:db8::10/64: not supported by vipd (preferred_lft forever: set the preferred lifetime (0 deprecates the address as a source))",
    ]);
    expect(result.lossy).toBe(true);
    expect(toml).toContain("# keepalived line 6: 192.0.2.11/24: not supported by vipd (no_track");
  });

  test("an invalid VIP is broken input", () => {
    const result = convert(instance("").replace("192.0.2.10/24", "192.0.2./24"));
    expect(result.toml).toBeNull();
    expect(result.errors.map(formatDiagnostic)).toEqual([`${FILE}:5: invalid IP address '192.0.2./24'`]);
  });

  test("rules without a preference get keepalived's 16384, 16383, ... so their order stays", () => {
    const { config } = convertAndLoad(
      instance(
        "  virtual_rules {\n    from 192.0.2.0/24 table 2\n    to 198.51.100.0/24 table 3 priority 100\n    to 203.0.113.0/24 table 4\n  }",
      ),
    );
    expect(config.instances[0]!.virtualRules.map((r) => r.priority)).toEqual([16384, 100, 16383]);
  });

  test("routes pass through in ip route syntax", () => {
    const { config } = convertAndLoad(
      instance("  virtual_routes {\n    198.51.100.0/24 via 192.0.2.1 dev eth0\n    blackhole 203.0.113.0/24\n  }"),
    );
    expect(config.instances[0]!.virtualRoutes.map((r) => [r.destination, r.via, r.type])).toEqual([
      ["198.51.100.0/24", "192.0.2.1", null],
      ["203.0.113.0/24", null, "blackhole"],
    ]);
  });
});

describe("tracking", () => {
  test("track_interface / track_script / track_file weights and reverse", () => {
    const text = `vrrp_script chk {
  script "/usr/bin/pgrep -x haproxy"
  interval 2
  timeout 1
  weight -20 reverse
  rise 2
  fall 3
  user nobody nogroup
  init_fail
}
track_file maint {
  file "/run/maint"
  weight -5
  init_file 3 overwrite
}
${instance(`  track_interface {
    eth1 weight -10
    eth2 weight 5 reverse
    eth3
  }
  track_script {
    chk weight 7 noreverse
  }
  track_file {
    maint weight 2 reverse
  }`)}`;
    const { config, warnings } = convertAndLoad(text);
    const vi = config.instances[0]!;
    expect(vi.trackInterface).toEqual([
      { name: "eth1", weight: -10, reverse: null },
      { name: "eth2", weight: 5, reverse: true },
      { name: "eth3", weight: 0, reverse: null },
    ]);
    expect(vi.trackScript).toEqual([{ name: "chk", weight: 7, reverse: false }]);
    expect(vi.trackFile).toEqual([{ name: "maint", weight: 2, reverse: true }]);
    const script = config.scripts[0]!;
    expect([script.script.argv, script.script.runAs, script.intervalMs, script.timeoutMs, script.weight, script.reverse]).toEqual([
      ["/usr/bin/pgrep", "-x", "haproxy"],
      { user: "nobody", group: "nogroup" },
      2000,
      1000,
      -20,
      true,
    ]);
    expect([script.rise, script.fall, script.initFail]).toEqual([2, 3, true]);
    expect(config.trackFiles[0]).toEqual({
      name: "maint",
      file: "/run/maint",
      weight: -5,
      reverse: false,
      initFile: { value: 3, overwrite: true },
    });
    expect(warnings).toEqual([]);
  });

  test("a script without `script` is dropped with its references, as keepalived does", () => {
    const { toml, warnings, config } = convertAndLoad(`vrrp_script chk {\n  interval 2\n}\n${instance("  track_script {\n    chk\n  }")}`);
    expect(toml).not.toContain("[scripts.chk]");
    expect(config.instances[0]!.trackScript).toEqual([]);
    expect(warnings).toEqual([
      ':1: vrrp_script: chk has no script: keepalived 2.2.7 removes it ("No script set"), so does the conversion',
      ':11: track_script: chk: no such vrrp_script; keepalived 2.2.7 ignores the reference ("not found, ignoring"), left out',
    ]);
  });

  test("vrrp_track_file is the deprecated spelling of track_file", () => {
    const { config } = convertAndLoad(`vrrp_track_file f {\n  file /run/f\n}\n${instance("  track_file {\n    f\n  }")}`);
    expect(config.trackFiles.map((f) => [f.name, f.weight])).toEqual([["f", 1]]);
  });

  test("a bare redirection script runs through /bin/sh, as keepalived ran it", () => {
    const { config } = convertAndLoad(
      `vrrp_script chk {\n  script "</dev/tcp/127.0.0.1/80"\n}\n${instance("  track_script {\n    chk\n  }")}`,
    );
    expect(config.scripts[0]!.script.argv).toEqual(["/bin/sh", "-c", "</dev/tcp/127.0.0.1/80"]);
  });
});

describe("vrrp_track_process", () => {
  test("becomes [track_processes.NAME] with keepalived's reading; an instance's track_process refers to it", () => {
    const text = `vrrp_track_process web {
  process /usr/sbin/haproxy -f "/etc/haproxy/haproxy.cfg"
  param_match partial
  weight -20 reverse
  quorum 2
  quorum_max 4
  delay 1.5
  terminate_delay 3
}
vrrp_track_process sshd {
  process sshd
  full_command
}
${instance("  track_process {\n    web\n    sshd weight 5\n    nothere\n  }")}`;
    const { config, warnings, result } = convertAndLoad(text);
    expect(config.trackProcesses).toEqual([
      {
        name: "web",
        process: "/usr/sbin/haproxy",
        parameters: ["-f", "/etc/haproxy/haproxy.cfg"],
        paramMatch: "partial",
        fullCommand: true,
        weight: -20,
        reverse: true,
        quorum: 2,
        quorumMax: 4,
        forkDelayMs: 1500,
        terminateDelayMs: 3000,
      },
      expect.objectContaining({ name: "sshd", process: "sshd", fullCommand: true, paramMatch: "none", weight: 1 }),
    ]);
    expect(config.instances[0]!.trackProcess).toEqual([
      { name: "web", weight: null, reverse: null },
      { name: "sshd", weight: 5, reverse: null },
    ]);
    expect(warnings).toEqual([
      ':23: track_process: nothere: no such vrrp_track_process; keepalived 2.2.7 ignores the reference ("not found, ignoring"), left out',
    ]);
    expect(result.lossy).toBe(false);
  });

  test("a block without process is dropped, as keepalived drops it", () => {
    const { toml, warnings } = convertAndLoad(`vrrp_track_process web {\n  weight 2\n}\n${instance("")}`);
    expect(toml).not.toContain("track_processes");
    expect(warnings[0]).toContain('web has no process: keepalived 2.2.7 removes it ("process name not specified")');
  });
});

describe("notify", () => {
  test("quoted commands with arguments; a user and group give {command, user, group}", () => {
    const text = instance(`  notify_master "/usr/local/bin/notify.sh master VI_1"
  notify_backup /usr/local/bin/backup.sh vrrp
  notify_fault "/usr/local/bin/notify.sh fault" vrrp vrrpgroup
  notify_stop /usr/local/bin/stop.sh
  notify /usr/local/bin/any.sh`);
    const { toml, config } = convertAndLoad(text);
    expect(toml).toContain('notify_fault = { command = "/usr/local/bin/notify.sh fault", user = "vrrp", group = "vrrpgroup" }');
    const n = config.instances[0]!.notify;
    expect(n.master).toEqual({
      raw: "/usr/local/bin/notify.sh master VI_1",
      argv: ["/usr/local/bin/notify.sh", "master", "VI_1"],
      runAs: null,
    });
    expect(n.backup!.runAs).toEqual({ user: "vrrp", group: null });
    expect(n.fault!.runAs).toEqual({ user: "vrrp", group: "vrrpgroup" });
    expect(n.stop!.argv).toEqual(["/usr/local/bin/stop.sh"]);
    expect(n.any!.argv).toEqual(["/usr/local/bin/any.sh"]);
  });
});

describe("sync groups", () => {
  test("group { } members, notify and tracking weight", () => {
    const text = `vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
  notify_master "/bin/group.sh master"
  smtp_alert
  global_tracking
}
${instance("", "VI_1")}${instance("", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")}`;
    const { config, warnings } = convertAndLoad(text);
    expect(config.syncGroups).toEqual([
      {
        name: "G1",
        group: ["VI_1", "VI_2"],
        notify: {
          master: { raw: "/bin/group.sh master", argv: ["/bin/group.sh", "master"], runAs: null },
          backup: null,
          fault: null,
          stop: null,
          any: null,
        },
        smtpAlert: true,
        syncGroupTrackingWeight: true,
      },
    ]);
    expect(warnings).toEqual([
      ":8: global_tracking: deprecated in keepalived; it kept the members' tracking weights, as sync_group_tracking_weight does",
    ]);
  });

  test("legacy members outside group { } are unknown keywords to keepalived; no members are invented", () => {
    const { toml, warnings } = convertAndLoad(`vrrp_sync_group VG1 {\n  VI_1\n}\n${instance("")}`);
    expect(toml).not.toContain("[sync_groups");
    expect(warnings).toEqual([
      ":1: vrrp_sync_group: VG1 has no group { } block: keepalived 2.2.7 has no members for it and drops it, so does the conversion",
      ':2: VI_1: unknown keyword, ignored (keepalived 2.2.7 ignores it too: "Unknown keyword")',
    ]);
  });

  test("members that are no instance are left out", () => {
    const { config, warnings } = convertAndLoad(`vrrp_sync_group G {\n  group {\n    VI_1\n    VI_9\n  }\n}\n${instance("")}`);
    expect(config.syncGroups[0]!.group).toEqual(["VI_1"]);
    expect(warnings).toEqual([
      ":4: group: VI_9: no such vrrp_instance; keepalived 2.2.7 leaves it out of the group, so does the conversion",
    ]);
  });
});

describe("unicast", () => {
  test("unicast_src_ip and peers with their TTL ranges, which turn the source check on; unicast_ttl", () => {
    const text = instance(`  unicast_src_ip 192.0.2.2
  unicast_peer {
    192.0.2.3
    192.0.2.4 min_ttl 250
  }
  unicast_ttl 10`);
    const { config, result, warnings } = convertAndLoad(text);
    const vi = config.instances[0]!;
    expect(vi.srcIp).toBe("192.0.2.2");
    expect(vi.unicastPeers).toEqual(["192.0.2.3", "192.0.2.4"]);
    expect(vi.unicastPeerTtl).toEqual([
      { min: 0, max: 255 },
      { min: 250, max: 255 },
    ]);
    expect(vi.checkUnicastSrc).toBe(true);
    expect(vi.unicastTtl).toBe(10);
    expect([warnings, result.lossy]).toEqual([[], false]);
    // Without peers keepalived resets it.
    const multicast = convertAndLoad(instance("  unicast_ttl 10"));
    expect(multicast.config.instances[0]!.unicastTtl).toBeNull();
    expect(multicast.warnings[0]).toContain("unicast_ttl: without unicast peers: keepalived resets it");
  });

  test("without check_unicast_src keepalived accepts any source: written as check_unicast_src = false", () => {
    const peers = "  unicast_peer {\n    192.0.2.3\n  }";
    const { config, toml, result } = convertAndLoad(instance(peers));
    expect(config.instances[0]!.checkUnicastSrc).toBe(false);
    expect(toml).toContain("check_unicast_src = false  # keepalived accepts unicast adverts from any source without check_unicast_src");
    expect(result.lossy).toBe(false);
    expect(convertAndLoad(instance(`${peers}\n  check_unicast_src`)).config.instances[0]!.checkUnicastSrc).toBe(true);
    const global = convertAndLoad(`global_defs {\n  vrrp_check_unicast_src\n}\n${instance(peers)}`);
    expect(global.config.instances[0]!.checkUnicastSrc).toBe(true);
    expect(global.toml).toContain("check_unicast_src = true  # from global_defs vrrp_check_unicast_src");
    // A multicast instance has nothing to check: nothing written.
    expect(convertAndLoad(instance("")).toml).not.toContain("check_unicast_src");
  });

  test("a broken TTL range is broken input", () => {
    const result = convert(instance("  unicast_peer {\n    192.0.2.3 min_ttl 256\n  }"));
    expect(result.errors.map(formatDiagnostic)).toEqual([`${FILE}:8: unicast_peer: min_ttl must be an integer from 0 to 255, got "256"`]);
  });

  test("an invalid peer is broken input", () => {
    const result = convert(instance("  unicast_peer {\n    192.0.2.300\n  }"));
    expect(result.errors.map(formatDiagnostic)).toEqual([`${FILE}:8: unicast_peer: invalid IP address '192.0.2.300'`]);
  });
});

describe("global_defs", () => {
  test("garp settings go to [global] and reach every instance; skip_check_adv_addr and smtp_alert are propagated", () => {
    const text = `global_defs {
  router_id lb-a
  script_user vrrp vrrpgroup
  enable_script_security
  vrrp_version 3
  vrrp_mcast_group4 224.0.0.19
  vrrp_garp_master_delay 10
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 60
  vrrp_garp_interval 0.001
  vrrp_gna_interval 0.002
  vrrp_skip_check_adv_addr
  smtp_alert
  notification_email {
    noc@example.com
    ops@example.com
  }
  notification_email_from vipd@example.com
  smtp_server 192.0.2.25 2525
  smtp_connect_timeout 20
  dynamic_interfaces
  vrrp_notify_fifo /run/vrrp.fifo
}
${instance("  garp_master_repeat 2")}${instance("  skip_check_adv_addr off\n  smtp_alert false", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")}`;
    const { config, toml, warnings } = convertAndLoad(text);
    const g = config.global;
    expect([g.routerId, g.scriptUser, g.enableScriptSecurity, g.vrrpVersion, g.vrrpMcastGroup4]).toEqual([
      "lb-a",
      { user: "vrrp", group: "vrrpgroup" },
      true,
      3,
      "224.0.0.19",
    ]);
    expect([g.garpIntervalMs, g.gnaIntervalMs, g.smtpServer, g.smtpConnectTimeoutMs, g.dynamicInterfaces, g.shutdownHandover]).toEqual([
      1,
      2,
      "192.0.2.25",
      20000,
      true,
      true, // vipd's handover on stop: no wire difference for keepalived peers, no lost packet
    ]);
    expect(g.notificationEmail).toEqual(["noc@example.com", "ops@example.com"]);
    const [vi1, vi2] = config.instances;
    expect(vi1!.garp).toEqual({
      masterDelayMs: 10000,
      masterRepeat: 2,
      lowerPrioDelayMs: 10000,
      lowerPrioRepeat: 2,
      masterRefreshMs: 60000,
      masterRefreshRepeat: 1,
      extraIfRefreshMs: 0,
    });
    expect(vi2!.garp.masterRepeat).toBe(3);
    expect([vi1!.skipCheckAdvAddr, vi1!.smtpAlert, vi1!.notifyFifo, vi1!.version]).toEqual([true, true, "/run/vrrp.fifo", 3]);
    expect([vi2!.skipCheckAdvAddr, vi2!.smtpAlert]).toEqual([false, false]);
    expect(toml).toContain("skip_check_adv_addr = true  # from global_defs vrrp_skip_check_adv_addr");
    expect([g.smtpPort, g.smtpAlert]).toEqual([2525, true]);
    expect(warnings).toEqual([]);
  });

  test("vrrp_lower_prio_no_advert, vrrp_higher_prio_send_advert, vrrp_down_timer_adverts: [global] defaults, instances' own win", () => {
    const text = `global_defs {
  vrrp_lower_prio_no_advert
  vrrp_higher_prio_send_advert false
  vrrp_down_timer_adverts 5
}
${instance("  lower_prio_no_advert off\n  higher_prio_send_advert\n  down_timer_adverts 2")}${instance("", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")}`;
    const { config, toml, warnings, result } = convertAndLoad(text);
    expect(config.global.election).toEqual({ lowerPrioNoAdvert: true, higherPrioSendAdvert: false, downTimerAdverts: 5 });
    expect(config.instances.map((i) => i.election)).toEqual([
      { lowerPrioNoAdvert: false, higherPrioSendAdvert: true, downTimerAdverts: 2 },
      { lowerPrioNoAdvert: true, higherPrioSendAdvert: false, downTimerAdverts: 5 },
    ]);
    expect([warnings, result.lossy]).toEqual([[], false]);
    // Set explicitly: no comment about vipd's different default.
    expect(toml).not.toContain("higher_prio_send_advert = false gives");
  });

  test("interface_up_down_delays becomes [global] interface_up_down_delays, per interface {down, up}", () => {
    const text = `interface_up_down_delays {\n  eth0 2 0.5\n  eth1.100 1\n}\n${instance("")}`;
    const { config, warnings, result } = convertAndLoad(text);
    expect(config.global.interfaceUpDownDelays).toEqual({ eth0: { downMs: 2000, upMs: 500 }, "eth1.100": { downMs: 1000, upMs: 0 } });
    expect([warnings, result.lossy]).toEqual([[], false]);
    expect(convert(`interface_up_down_delays {\n  eth0 300\n}\n${instance("")}`).errors.map(formatDiagnostic)).toEqual([
      `${FILE}:2: eth0: 300 is out of range (a number from 0 to 255)`,
    ]);
  });

  test("garp_extra_if all N is the refresh on the other interfaces; without all (VMAC interfaces only) it is 0", () => {
    const text = `global_defs {\n  vrrp_garp_extra_if all 30\n}\n${instance("")}${instance("  garp_extra_if 10", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")}${instance("  vmac_garp_intvl 20 all", "VI_3").replace("virtual_router_id 51", "virtual_router_id 53")}`;
    const { config, warnings, result } = convertAndLoad(text);
    expect(config.instances.map((i) => i.garp.extraIfRefreshMs)).toEqual([30_000, 0, 20_000]);
    expect([warnings, result.lossy]).toEqual([[], false]);
    expect(convert(instance("  garp_extra_if all")).errors.map(formatDiagnostic)).toEqual([
      `${FILE}:7: garp_extra_if: expected [all] SECONDS`,
    ]);
  });

  test("garp_group blocks become [global] garp_group entries; a shared group is said to be spaced per interface", () => {
    const text = `garp_group {\n  garp_interval 0.01\n  interface eth0\n}\ngarp_group {\n  gna_interval 0.02\n  interfaces {\n    eth1\n    eth2\n  }\n}\n${instance("")}`;
    const { config, warnings, result } = convertAndLoad(text);
    expect(config.global.garpGroups).toEqual([
      { interfaces: ["eth0"], garpIntervalMs: 10, gnaIntervalMs: null },
      { interfaces: ["eth1", "eth2"], garpIntervalMs: null, gnaIntervalMs: 20 },
    ]);
    expect(warnings).toEqual([
      ":5: garp_group: keepalived spaced the messages of these interfaces together, vipd spaces them per interface",
    ]);
    expect(result.lossy).toBe(false);
  });

  test("vrrp_startup_delay goes to [global] and reaches the core's node", () => {
    const { config, warnings, result } = convertAndLoad(`global_defs {\n  vrrp_startup_delay 5.5\n}\n${instance("")}`);
    expect(config.global.startupDelayMs).toBe(5500);
    expect([warnings, result.lossy]).toEqual([[], false]);
  });

  test("without vrrp_higher_prio_send_advert, the output says vipd's default differs and how to get keepalived's", () => {
    const { toml, config } = convertAndLoad(instance(""));
    expect(config.instances[0]!.election.higherPrioSendAdvert).toBe(true);
    expect(toml).toContain("# winner re-announces the addresses at once; higher_prio_send_advert = false gives keepalived's behaviour.");
  });

  test("down_timer_adverts outside keepalived's 1..100 is an error", () => {
    expect(convert(instance("  down_timer_adverts 0")).errors.map(formatDiagnostic)).toEqual([
      `${FILE}:7: down_timer_adverts: 0 is out of range (an integer from 1 to 100)`,
    ]);
  });

  test("startup_script / shutdown_script with their timeouts and users, and the notify FIFO's reader, are mapped", () => {
    const text = `global_defs {
  startup_script "/usr/local/sbin/prepare --all" root
  startup_script_timeout 30
  shutdown_script /usr/local/sbin/cleanup nobody nogroup
  notify_fifo /run/keepalived.fifo
  notify_fifo_script /usr/local/sbin/read-fifo
}
${instance("")}${instance("", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")}`;
    const { config, toml, warnings, result } = convertAndLoad(text);
    const g = config.global;
    expect(g.startupScript).toEqual({
      raw: "/usr/local/sbin/prepare --all",
      argv: ["/usr/local/sbin/prepare", "--all"],
      runAs: { user: "root", group: null },
    });
    expect([g.startupScriptTimeoutMs, g.shutdownScriptTimeoutMs]).toEqual([30_000, 10_000]);
    expect(g.shutdownScript).toMatchObject({ argv: ["/usr/local/sbin/cleanup"], runAs: { user: "nobody", group: "nogroup" } });
    // keepalived's one FIFO and its one reader, written into every instance (vipd starts one reader per FIFO).
    for (const i of config.instances) {
      expect([i.notifyFifo, i.notifyFifoScript?.argv]).toEqual(["/run/keepalived.fifo", ["/usr/local/sbin/read-fifo"]]);
    }
    expect(toml).toContain('notify_fifo_script = "/usr/local/sbin/read-fifo"  # from global_defs notify_fifo_script');
    expect(warnings).toEqual([]);
    expect(result.lossy).toBe(false);
  });

  test("a notify FIFO script whose FIFO vipd does not write is reported as lost", () => {
    const text = `global_defs {
  notify_fifo /run/a.fifo
  vrrp_notify_fifo /run/b.fifo
  vrrp_notify_fifo_script /usr/local/sbin/read-b
}
${instance("")}`;
    const { config, warnings, result } = convertAndLoad(text);
    expect(config.instances[0]!.notifyFifoScript).toBeNull();
    expect(
      warnings.some((w) => w.includes("vrrp_notify_fifo_script") && w.includes("for vrrp_notify_fifo, which vipd does not write")),
    ).toBe(true);
    expect(result.lossy).toBe(true);
  });

  test("the mail settings: smtp_server's port, smtp_helo_name, no_email_faults; smtp_alert_vrrp wins over smtp_alert", () => {
    const mail = (extra: string) => `global_defs {
  notification_email {
    noc@example.com
  }
  smtp_server mail.example.com 587
  smtp_helo_name lb-a.example.com
  no_email_faults
${extra}
}
vrrp_sync_group G {
  group {
    VI_1
  }
}
${instance("")}`;
    for (const [extra, expected] of [
      ["  smtp_alert_vrrp false\n  smtp_alert", false],
      ["  smtp_alert\n  smtp_alert_vrrp false", false],
      ["  smtp_alert false\n  smtp_alert_vrrp", true],
      ["  smtp_alert", true],
    ] as const) {
      const { config, toml, warnings } = convertAndLoad(mail(extra));
      expect(config.global).toMatchObject({
        smtpServer: "mail.example.com",
        smtpPort: 587,
        smtpHeloName: "lb-a.example.com",
        noEmailFaults: true,
        smtpAlert: expected,
      });
      // The global setting is the default of instances and groups alike, as in keepalived.
      expect([config.instances[0]!.smtpAlert, config.syncGroups[0]!.smtpAlert]).toEqual([expected, expected]);
      expect(toml.slice(toml.indexOf("[instances")).includes("smtp_alert")).toBe(false);
      expect(warnings).toEqual([]);
    }
  });

  test("vrrp_strict is written as [global] vrrp_strict: the state follows the priority, authentication is left out", () => {
    const text = `global_defs {\n  vrrp_strict\n}\n${instance("  state MASTER\n  priority 100\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }")}`;
    const { toml, config, warnings, result } = convertAndLoad(text);
    expect(toml).toContain("vrrp_strict = true");
    expect(toml).not.toContain("auth_pass");
    expect(result.lossy).toBe(false);
    expect(warnings).toContain(':10: state: strict mode: keepalived sets the state from the priority, written as "BACKUP"');
    expect(warnings).toContain(":12: authentication: strict mode: keepalived ignores authentication, left out");
    const vi = config.instances[0]!;
    expect(vi).toMatchObject({ strictMode: true, state: "BACKUP", authentication: null, accept: false });
    const owner = convertAndLoad(`global_defs {\n  vrrp_strict\n}\n${instance("  priority 255")}`);
    expect(owner.toml).toContain('state = "MASTER"');
    expect(owner.config.instances[0]).toMatchObject({ state: "MASTER", accept: true });
  });

  test("strict mode: unicast peers and an instance without addresses are errors, preempt_delay is left out", () => {
    const strict = "global_defs {\n  vrrp_strict\n}\n";
    expect(convert(`${strict}${instance("  unicast_peer {\n    192.0.2.3\n  }")}`).errors.map(formatDiagnostic)).toEqual([
      `${FILE}:10: unicast_peer: keepalived does not run unicast peers in strict mode`,
    ]);
    const noVips = `${strict}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n}\n`;
    expect(convert(noVips).errors.map(formatDiagnostic)).toEqual([
      `${FILE}:4: vrrp_instance: keepalived requires a virtual address in strict mode`,
    ]);
    const { toml, warnings } = convertAndLoad(`${strict}${instance("  preempt_delay 5")}`);
    expect(toml).not.toContain("preempt_delay =");
    expect(warnings).toContain(":10: preempt_delay: strict mode: keepalived resets it, left out");
  });

  test("strict_mode, accept and no_accept map to their keys", () => {
    expect(convertAndLoad(instance("  strict_mode")).config.instances[0]!.strictMode).toBe(true);
    expect(convertAndLoad(`global_defs {\n  vrrp_strict\n}\n${instance("  strict_mode off")}`).config.instances[0]!.strictMode).toBe(false);
    const noAccept = convertAndLoad(instance("  no_accept"));
    expect(noAccept.toml).toContain("accept = false");
    expect(noAccept.config.instances[0]!.accept).toBe(false);
    expect(convertAndLoad(instance("  accept")).config.instances[0]!.accept).toBe(true);
  });

  test("the TOML starts with a header naming the source and the vipd version", async () => {
    const { toml } = convertAndLoad(instance(""));
    const { version } = (await import("../../package.json", { with: { type: "json" } })).default;
    expect(toml.split("\n")[0]).toBe(`# vipd configuration converted from ${FILE} by vipd convert (vipd ${version}).`);
  });
});

describe("unsupported options", () => {
  test("each gives a warning and a comment inside its section; lossy ones are flagged", () => {
    const { toml, result } = convertAndLoad(instance("  use_ipvlan\n  track_bfd {\n    bfd1\n  }\n  debug 2\n  promote_secondaries"));
    const lines = result.findings.map((f) => `${formatFinding(f, "")}${f.lossy ? " [lossy]" : ""}`);
    expect(lines).toEqual([
      ":7: use_ipvlan: not supported by vipd (moved the VIPs to an ipvlan interface) [lossy]",
      ":8: track_bfd: not supported by vipd (tracked BFD sessions) [lossy]",
      ":11: debug: not supported by vipd (debug level (not implemented in keepalived either))",
      ":12: promote_secondaries: not supported by vipd (set promote_secondaries so removing a VIP kept the other addresses of its subnet) [lossy]",
    ]);
    const section = toml.slice(toml.indexOf("[instances.VI_1]"));
    expect(section).toContain("# keepalived line 7: use_ipvlan: not supported by vipd");
  });

  test("static addresses are not lossy and are listed for the OS configuration", () => {
    const { toml, result } = convertAndLoad(`static_ipaddress {\n  192.0.2.5/24 dev eth0\n}\n${instance("")}`);
    expect(result.lossy).toBe(false);
    expect(toml).toContain("#   192.0.2.5/24 dev eth0");
  });

  test("conditional lines follow the config ids (-i)", () => {
    const text = `vrrp_script chk {\n@high  script /bin/high\n@low  script /bin/low\n}\n${instance("@high  priority 170\n@low  priority 85\n  track_script {\n    chk\n  }")}`;
    const high = convertAndLoad(text, ["high"]);
    expect([high.config.instances[0]!.priority, high.config.scripts[0]!.script.raw]).toEqual([170, "/bin/high"]);
    const low = convertAndLoad(text, ["low"]);
    expect([low.config.instances[0]!.priority, low.config.scripts[0]!.script.raw]).toEqual([85, "/bin/low"]);
  });
});

describe("broken input", () => {
  const cases: [string, string, string[]][] = [
    ["unbalanced braces", "vrrp_instance VI_1 {\n  interface eth0\n", [`${FILE}:1: unbalanced '{': missing '}' before end of input`]],
    ["a stray '}'", `${instance("")}}\n`, [`${FILE}:9: unbalanced '}'`]],
    ["an unknown top-level block", "vrrp_instanse VI_1 {\n  interface eth0\n}\n", [`${FILE}:1: unknown top-level block 'vrrp_instanse'`]],
    ["a bad number", instance("  priority abc"), [`${FILE}:7: priority: invalid number 'abc' (an integer from 1 to 255)`]],
    ["an out-of-range number", instance("  priority 256"), [`${FILE}:7: priority: 256 is out of range (an integer from 1 to 255)`]],
    ["an invalid source address", instance("  mcast_src_ip 1.2.3."), [`${FILE}:7: mcast_src_ip: invalid IP address '1.2.3.'`]],
    ["a duplicate instance", instance("") + instance(""), [`${FILE}:9: vrrp_instance VI_1: already defined at ${FILE}:1`]],
  ];
  for (const [what, text, errors] of cases) {
    test(`${what} → FILE:LINE: error, no TOML`, () => {
      const result = convert(text);
      expect(result.toml).toBeNull();
      expect(result.errors.map(formatDiagnostic)).toEqual(errors);
    });
  }
});

describe("LVS", () => {
  test("a virtual server with every IPVS setting converts without loss and loads with keepalived's values", () => {
    const text = `virtual_server 192.0.2.10 80 {
  delay_loop 10
  lvs_sched sh
  sh-port
  lb_kind TUN type gue port 6080 csum
  persistence_timeout
  persistence_granularity 255.255.255.0
  protocol TCP
  quorum 2
  hysteresis 1
  quorum_up "/bin/up arg" nobody
  omega
  ha_suspend
  sorry_server 198.51.100.99 80
  sorry_server_inhibit
  sorry_server_lvs_method DR
  real_server 198.51.100.1 80 {
    weight 3
    uthreshold 100
    lthreshold 50
    inhibit_on_failure
    notify_down /bin/down
  }
  real_server 198.51.100.2 {
  }
}
`;
    const { result, config, warnings } = convertAndLoad(text);
    expect(warnings).toEqual([]);
    expect(result.lossy).toBe(false);
    const vs = config.virtualServers[0]!;
    expect(vs).toMatchObject({
      haSuspend: true,
      omega: true,
      quorumUp: { raw: "/bin/up arg", runAs: { user: "nobody", group: null } },
      name: "192.0.2.10:80",
      target: { kind: "address", address: "192.0.2.10", port: 80, protocol: "tcp" },
      lbAlgo: "sh",
      schedulerPort: true,
      forwarding: { kind: "TUN", tunnel: { type: "gue", port: 6080, checksum: "csum" } },
      persistenceTimeoutS: 360,
      persistencePrefix: 24,
      quorum: 2,
      hysteresis: 1,
      sorryServer: { address: "198.51.100.99", port: 80, inhibit: true, forwarding: { kind: "DR", tunnel: null } },
    });
    expect(vs.realServers.map((r) => [r.address, r.port, r.weight, r.upperThreshold, r.lowerThreshold, r.inhibitOnFailure])).toEqual([
      ["198.51.100.1", 80, 3, 100, 50, true],
      ["198.51.100.2", null, 1, 0, 0, false],
    ]);
  });

  test("plain real servers are written a row each; one with a checker or a note keeps its service's tables", () => {
    const text = `virtual_server 192.0.2.10 80 {
  protocol TCP
  real_server 198.51.100.1 8080 {
    weight 3
    notify_up "/bin/up now" nobody
  }
  real_server 198.51.100.2 8080 {
  }
}
virtual_server 192.0.2.11 80 {
  protocol TCP
  real_server 198.51.100.1 8080 {
    TCP_CHECK {
    }
  }
  real_server 198.51.100.2 8080 {
  }
}
virtual_server 192.0.2.12 80 {
  protocol TCP
  lb_kind DR
  real_server 198.51.100.1 8080 {
  }
}
`;
    const { toml, config, warnings } = convertAndLoad(text);
    expect(toml).toContain(
      [
        "real_servers = [",
        '  { address = "198.51.100.1", port = 8080, weight = 3, notify_up = { command = "/bin/up now", user = "nobody" } },',
        '  { address = "198.51.100.2", port = 8080 },',
        "]",
      ].join("\n"),
    );
    // A checker is a table under the real server; a warning is a comment in its table: both keep the tables.
    expect(toml.match(/\[\[virtual_servers\."192\.0\.2\.11:80"\.real_servers\]\]/g)).toHaveLength(2);
    expect(toml.match(/\[\[virtual_servers\."192\.0\.2\.12:80"\.real_servers\]\]/g)).toHaveLength(1);
    expect(warnings.join("\n")).toContain("port left out");
    expect(config.virtualServers.map((vs) => vs.realServers.map((rs) => [rs.address, rs.port, rs.weight, rs.checks.length]))).toEqual([
      [
        ["198.51.100.1", 8080, 3, 0],
        ["198.51.100.2", 8080, 1, 0],
      ],
      [
        ["198.51.100.1", 8080, 1, 1],
        ["198.51.100.2", 8080, 1, 0],
      ],
      [["198.51.100.1", null, 1, 0]],
    ]);
    expect(config.virtualServers[0]!.realServers[0]!.notifyUp).toMatchObject({ raw: "/bin/up now", runAs: { user: "nobody" } });
  });

  test("checkers and their settings convert, inherited as keepalived inherits them; kinds not built yet are lossy", () => {
    const text = `virtual_server 192.0.2.10 80 {
  protocol TCP
  delay_loop 6
  connect_timeout 3
  real_server 198.51.100.1 8080 {
    retry 2
    TCP_CHECK {
      connect_port 81
      delay_before_retry 0.5
    }
    HTTP_GET {
      url {
        path /health
        digest 9b3a0c85a887a256d6939da88aabd8cd
        status_code 200 300-302
      }
      nb_get_retry 4
      virtualhost www.example.com
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/check 198.51.100.1"
      misc_dynamic
      user nobody
    }
  }
}
`;
    const { result, config, warnings } = convertAndLoad(text);
    expect(warnings).toEqual([]);
    expect(result.lossy).toBe(false);
    const timing = { delayLoopMs: 6000, warmupMs: 6000, alpha: false };
    expect(config.virtualServers[0]!.realServers[0]!.checks.map((c) => c.definition)).toEqual([
      {
        kind: "TCP_CHECK",
        timing: { ...timing, retry: 2, delayBeforeRetryMs: 500 },
        connect: {
          address: "198.51.100.1",
          family: 4,
          port: 81,
          bindAddress: null,
          bindPort: null,
          bindInterface: null,
          fwmark: null,
          timeoutMs: 3000,
        },
      },
      {
        kind: "HTTP_GET",
        timing: { ...timing, retry: 4, delayBeforeRetryMs: 3000 },
        connect: {
          address: "198.51.100.1",
          family: 4,
          port: 8080,
          bindAddress: null,
          bindPort: null,
          bindInterface: null,
          fwmark: null,
          timeoutMs: 3000,
        },
        urls: [
          {
            path: "/health",
            statusCodes: [
              [200, 200],
              [300, 302],
            ],
            digest: "9b3a0c85a887a256d6939da88aabd8cd",
            virtualhost: null,
            regex: null,
            regexNoMatch: false,
            regexOptions: { flags: "", minOffset: 0, maxOffset: null, firstLine: false },
          },
        ],
        httpProtocol: "1.0",
        virtualhost: "www.example.com",
        enableSni: false,
        fastRecovery: false,
      },
      {
        kind: "MISC_CHECK",
        timing: { ...timing, retry: 2, delayBeforeRetryMs: 1000 },
        command: "/usr/local/bin/check 198.51.100.1",
        argv: ["/usr/local/bin/check", "198.51.100.1"],
        runAs: { user: "nobody", group: null },
        timeoutMs: 6000,
        dynamic: true,
      },
    ]);
    const lossy = convertAndLoad(
      text.replace("TCP_CHECK {", "BFD_CHECK {").replace("connect_port 81\n", "").replace("delay_before_retry 0.5\n", ""),
    );
    expect(lossy.result.lossy).toBe(true);
    expect(lossy.warnings[0]).toContain("BFD_CHECK: health checker not converted yet (vipd's issue #17)");
  });

  test("bind_if and fwmark on a connecting check are kept; on PING_CHECK and (bind_if) UDP_CHECK, where keepalived 2.2.7 ignores them, left out with a warning", () => {
    const text = `virtual_server 192.0.2.10 80 {
  protocol TCP
  real_server 198.51.100.1 8080 {
    TCP_CHECK {
      bind_if eth1
      fwmark 7
    }
    DNS_CHECK {
      fwmark 4294967295
    }
    UDP_CHECK {
      bind_if eth1
      fwmark 9
    }
    PING_CHECK {
      bind_if eth1
      fwmark 7
    }
  }
}
`;
    const { result, config, warnings } = convertAndLoad(text);
    expect(result.lossy).toBe(false);
    const connects = config.virtualServers[0]!.realServers[0]!.checks.map((c) => {
      const d = c.definition as { kind: string; connect: { bindInterface: string | null; fwmark: number | null } };
      return [d.kind, d.connect.bindInterface, d.connect.fwmark];
    });
    expect(connects).toEqual([
      ["TCP_CHECK", "eth1", 7],
      ["DNS_CHECK", null, 4294967295],
      ["UDP_CHECK", null, 9],
      ["PING_CHECK", null, null],
    ]);
    expect(warnings).toEqual([
      ":12: bind_if: keepalived 2.2.7 does not apply it to UDP_CHECK (only fwmark); left out so the check runs as before",
      ":16: bind_if: keepalived 2.2.7 does not apply it to PING_CHECK; left out",
      ":17: fwmark: keepalived 2.2.7 does not apply it to PING_CHECK; left out",
    ]);
  });

  test("keepalived's corrections are written out with a warning: UDP by default, DR ports, fwmark protocol, flags before lb_algo", () => {
    const text = `virtual_server 192.0.2.10 80 {\n  lb_kind DR\n  sh-port\n  lb_algo sh\n  real_server 198.51.100.1 8080 {\n  }\n}\nvirtual_server fwmark 5 {\n  protocol TCP\n  real_server 198.51.100.2 80 {\n    lvs_method DR\n  }\n}\n`;
    const { result, config, warnings } = convertAndLoad(text);
    expect(result.lossy).toBe(false);
    expect(warnings).toEqual([
      ':1: protocol: no protocol: keepalived 2.2.7 uses UDP ("no protocol set - defaulting to UDP"), written out',
      ":3: sh-port: lb_algo is not sh at this line: keepalived 2.2.7 ignores the flag, left out",
      ":5: port: DR delivers to the service's port: keepalived 2.2.7 uses the service's port 80, port left out",
      ":9: protocol: a fwmark service matches every protocol: keepalived 2.2.7 ignores it, left out",
      ":10: port: DR delivers to the service's port: keepalived 2.2.7 uses no port, port left out",
    ]);
    expect(config.virtualServers.map((v) => [v.name, v.target.kind === "address" ? v.target.protocol : null, v.schedulerPort])).toEqual([
      ["192.0.2.10:80", "udp", false],
      ["fwmark 5", null, false],
    ]);
    expect(config.virtualServers.map((v) => v.realServers[0]!.port)).toEqual([null, null]);
  });

  test("a virtual_server_group becomes its members; a member without a port has port 0 and the service gets persistence", () => {
    const text = `virtual_server_group G {\n  192.0.2.10-12 443\n  2001:db8::1\n  fwmark 3\n}\nvirtual_server group G {\n  protocol TCP\n  real_server 198.51.100.1 443 {\n  }\n}\n`;
    const converted = convert(text);
    expect(converted.errors).toEqual([]);
    expect(converted.toml).toContain('members = [ "192.0.2.10-12 443", "2001:db8::1 0", "fwmark 3" ]');
    expect(converted.findings.map((f) => formatFinding(f, ""))).toEqual([
      ":6: persistence_timeout: a member with port 0 needs persistence: keepalived 2.2.7 sets 360 s, written out",
    ]);
    // IPv4 and IPv6 members in one group: keepalived takes them, vipd's loader does not.
    const loaded = loadConfigText(converted.toml!, "converted.toml", { checkPrograms: false });
    expect(loaded.ok ? [] : loaded.errors.map(formatConfigError)).toEqual([
      "converted.toml:12: virtual_server_groups.G.members: mixes IPv4 and IPv6 members",
    ]);
  });

  test("a fwmark service of IPv6 real servers gets ip_family inet6, as keepalived infers it", () => {
    const { config } = convertAndLoad(`virtual_server fwmark 8 {\n  lb_kind DR\n  real_server 2001:db8::5 {\n  }\n}\n`);
    expect(config.virtualServers[0]!.target).toEqual({ kind: "fwmark", fwmark: 8, family: 6 });
  });

  test("lvs_timeouts becomes a table of the timeouts given", () => {
    const { config, warnings } = convertAndLoad(`global_defs {\n  lvs_timeouts tcp 600 udp 30\n}\n${instance("")}`);
    expect(warnings).toEqual([]);
    expect(config.global.lvsTimeouts).toEqual({ tcpS: 600, tcpFinS: 0, udpS: 30 });
  });

  test("a group that does not exist drops its virtual server (lossy), as keepalived does", () => {
    const { result, config } = convertAndLoad(`${instance("")}virtual_server group NOPE {\n  protocol TCP\n}\n`);
    expect(result.lossy).toBe(true);
    expect(config.virtualServers).toEqual([]);
  });
});

describe("use_vmac", () => {
  test("without a name: keepalived's vrrp.VRID; with one: that name; vmac_xmit_base carried over", () => {
    const plain = convertAndLoad(instance("  use_vmac"));
    expect(plain.toml).toContain("use_vmac = true");
    expect(plain.config.instances[0]!.vmac).toEqual({ name: "vrrp.51", xmitBase: false });
    expect(plain.warnings).toEqual([]);
    const named = convertAndLoad(instance("  use_vmac vmac51\n  vmac_xmit_base"));
    expect(named.toml).toContain('use_vmac = "vmac51"');
    expect(named.config.instances[0]!.vmac).toEqual({ name: "vmac51", xmitBase: true });
    expect(named.result.lossy).toBe(false);
  });

  test("a MAC address is not supported (lossy); the name beside it is kept", () => {
    const { config, warnings, result } = convertAndLoad(instance("  use_vmac vmac51 02:00:00:00:00:01"));
    expect(config.instances[0]!.vmac).toEqual({ name: "vmac51", xmitBase: false });
    expect(warnings).toEqual([
      ":7: use_vmac: not supported by vipd (02:00:00:00:00:01: gave the VMAC another MAC than 00:00:5e:00:01:VRID)",
    ]);
    expect(result.lossy).toBe(true);
  });

  test("vmac_xmit_base without use_vmac, or under vrrp_strict, is dropped as keepalived drops it", () => {
    const alone = convertAndLoad(instance("  vmac_xmit_base"));
    expect(alone.toml).not.toContain("vmac_xmit_base = ");
    expect(alone.warnings).toEqual([":7: vmac_xmit_base: only valid with use_vmac; keepalived ignores it, not written"]);
    const strict = convertAndLoad(`global_defs {\n  vrrp_strict\n}\n${instance("  use_vmac\n  vmac_xmit_base")}`);
    expect(strict.toml).not.toContain("vmac_xmit_base = ");
    expect(strict.warnings).toContain(":11: vmac_xmit_base: is incompatible with vrrp_strict; keepalived resets it, not written");
  });
});
