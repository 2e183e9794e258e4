import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigFile, loadConfigText } from "../../src/config/load.ts";
import { errorsOf, fakeFs, fakeStat, FILE, instance, load, loadOk, ROOT_PROGRAM, warningsOf } from "./helpers.ts";

const F = FILE;

describe("TOML syntax", () => {
  test("a syntax error is one error on the parser's line and column", () => {
    const result = load('[global]\nrouter_id = "a"\nvrrp_version = \n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.line).toBe(3);
    expect(result.errors[0]!.column).toBe(16);
    expect(formatConfigError(result.errors[0]!)).toStartWith(`${F}:3:16: TOML syntax error: Unexpected character`);
  });

  test("a key defined twice is named, with the line that set it first", () => {
    expect(errorsOf('[global]\nrouter_id = "a"\nvrrp_version = 2\nrouter_id = "b"\n')).toEqual([
      `${F}:4:1: TOML syntax error: key "router_id" is set twice in [global] (first on line 2): keep one`,
    ]);
    expect(errorsOf("a = 1\n  a = 2\n")).toEqual([
      `${F}:2:3: TOML syntax error: key "a" is set twice at the top level (first on line 1): keep one`,
    ]);
  });

  test("a table defined twice is named", () => {
    expect(errorsOf('[instances.VI_1]\npriority = 1\n\n[instances . VI_1]\nstate = "MASTER"\n')).toEqual([
      `${F}:4:1: TOML syntax error: table [instances.VI_1] is defined twice (first on line 1): merge the two into one`,
    ]);
  });

  test("an unquoted word or address: the message shows it quoted", () => {
    expect(errorsOf("[instances.VI_1]\ninterface = eth0\n")).toEqual([
      `${F}:2:13: TOML syntax error: eth0 is not a TOML value: text must be quoted, write interface = "eth0"`,
    ]);
    expect(errorsOf("[instances.VI_1]\nunicast_src_ip = 192.0.2.1   # this router\n")).toEqual([
      `${F}:2:18: TOML syntax error: 192.0.2.1 is not a TOML value: text must be quoted, write unicast_src_ip = "192.0.2.1"`,
    ]);
  });

  test("a pasted keepalived.conf block points to vipd convert", () => {
    const pasted = '[global]\nrouter_id = "a"\n\nvrrp_instance VI_1 {\n    state MASTER\n}\n';
    expect(errorsOf(pasted)).toEqual([
      `${F}:4:1: TOML syntax error: this is keepalived.conf syntax, not TOML; convert the file with: vipd convert KEEPALIVED.CONF > config.toml`,
    ]);
  });

  test("a missing = and an unterminated string say what to write", () => {
    expect(errorsOf('[global]\nrouter_id "a"\n')).toEqual([
      `${F}:2:11: TOML syntax error: Invalid character, expected "=": write KEY = VALUE (text in quotes), e.g. state = "MASTER"`,
    ]);
    expect(errorsOf('[global]\nrouter_id = "abc\n')).toEqual([
      `${F}:2:17: TOML syntax error: Unterminated string: close the quote on the same line`,
    ]);
  });

  test("an unreadable file", () => {
    const result = loadConfigFile("/nonexistent/vipd.toml");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map(formatConfigError)).toEqual(["/nonexistent/vipd.toml: cannot read the file (ENOENT)"]);
  });

  test("a file on disk loads", () => {
    const dir = mkdtempSync(join(tmpdir(), "vipd-config-"));
    try {
      const path = join(dir, "config.toml");
      writeFileSync(path, instance("VI_1", "priority = 0\n"));
      const result = loadConfigFile(path);
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.errors.map(formatConfigError)).toEqual([
          `${path}:5: instances.VI_1.priority: must be an integer from 1 to 255, got 0`,
        ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("keys and types", () => {
  test("unknown keys name the allowed ones and suggest the nearest", () => {
    expect(errorsOf(`[global]\nrouter_idd = "x"\n${instance("VI_1")}`)).toEqual([
      `${F}:2: global.router_idd: unknown key (did you mean "router_id"?); allowed here: check_unicast_src, checker_log_all_failures, down_timer_adverts, dynamic_interfaces, enable_script_security, ` +
        "garp_extra_if, garp_group, garp_interval, garp_lower_prio_delay, garp_lower_prio_repeat, garp_master_delay, garp_master_refresh, " +
        "garp_master_refresh_repeat, garp_master_repeat, gna_interval, higher_prio_send_advert, interface_up_down_delays, lower_prio_no_advert, lvs_on_stop, lvs_timeouts, no_email_faults, notification_email, notification_email_from, " +
        "router_id, script_user, shutdown_handover, shutdown_script, shutdown_script_timeout, smtp_alert, smtp_alert_checker, smtp_connect_timeout, smtp_helo_name, smtp_port, smtp_server, " +
        "startup_script, startup_script_timeout, track_process_interval, vrrp_mcast_group4, vrrp_mcast_group6, vrrp_startup_delay, vrrp_strict, vrrp_version",
    ]);
    const [error] = errorsOf(instance("VI_1", "prority = 100\n"));
    expect(error).toStartWith(`${F}:5: instances.VI_1.prority: unknown key (did you mean "priority"?); allowed here: accept, advert_int,`);
    expect(errorsOf(`[instance.VI_1]\nx = 1\n${instance("VI_2")}`)).toEqual([
      `${F}:1: instance: unknown section (did you mean "instances"?); allowed: global, instances, sync_groups, scripts, track_files, track_processes, metrics, virtual_servers, virtual_server_groups`,
    ]);
    expect(errorsOf(instance("VI_1", 'authentication = { auth_type = "PASS", password = "x" }\n'))).toEqual([
      `${F}:5: instances.VI_1.authentication.password: unknown key; allowed here: auth_pass, auth_type`,
      `${F}:5: instances.VI_1.authentication.auth_pass: missing; required: a password of 1 to 8 characters`,
    ]);
  });

  test("wrong types and ranges", () => {
    expect(
      errorsOf(
        instance(
          "VI_1",
          `state = "master"
priority = 256
nopreempt = "yes"
preempt_delay = 1001
unicast_peer = "192.0.2.3"
`,
        ),
      ),
    ).toEqual([
      `${F}:5: instances.VI_1.state: must be one of "MASTER", "BACKUP", got string "master" (did you mean "MASTER"?)`,
      `${F}:6: instances.VI_1.priority: must be an integer from 1 to 255, got 256`,
      `${F}:7: instances.VI_1.nopreempt: must be true or false, got string "yes"`,
      `${F}:8: instances.VI_1.preempt_delay: must be a number of seconds from 0 to 1000, got 1001`,
      `${F}:9: instances.VI_1.unicast_peer: must be a list of addresses, got string "192.0.2.3"`,
    ]);
  });

  test("advert_int per version", () => {
    expect(errorsOf(instance("VI_1", "advert_int = 0.5\n"))).toEqual([
      `${F}:5: instances.VI_1.advert_int: must be a whole number of seconds from 1 to 255 for VRRPv2 (version = 3 allows 0.01 to 40.95), got 0.5`,
    ]);
    expect(errorsOf(instance("VI_1", "version = 3\nadvert_int = 41\n"))).toEqual([
      `${F}:6: instances.VI_1.advert_int: must be a number of seconds from 0.01 to 40.95 in steps of 0.01 for VRRPv3, got 41`,
    ]);
    expect(errorsOf(instance("VI_1", "version = 3\nadvert_int = 0.015\n"))).toHaveLength(1);
    expect(errorsOf(instance("VI_1", 'advert_int = "1s"\n'))).toHaveLength(1);
  });

  test("missing required keys point at the table header", () => {
    expect(errorsOf('[instances.VI_1]\nstate = "BACKUP"\n')).toEqual([
      `${F}:1: instances.VI_1.interface: missing; required: an interface name`,
      `${F}:1: instances.VI_1.virtual_router_id: missing; required: an integer from 1 to 255`,
    ]);
    expect(errorsOf(`[scripts.chk]\ninterval = 2\n[sync_groups.G]\nnotify = "/bin/x"\n${instance("VI_1")}`)).toEqual([
      `${F}:1: scripts.chk.script: missing; required: a command line`,
      `${F}:3: sync_groups.G.group: missing; required: a list of instance names`,
    ]);
    expect(errorsOf("")).toEqual([`${F}:1: instances: missing; define at least one [instances.NAME] or [virtual_servers.NAME]`]);
  });

  test("sections of the wrong shape", () => {
    expect(errorsOf(`[[instances]]\ninterface = "eth0"\n`)).toEqual([
      `${F}:1: instances: must be tables named [instances.NAME], got a list (write [instances.NAME] tables, not [[instances]])`,
    ]);
    expect(errorsOf(`global = 1\nscripts = { a = 1 }\n${instance("VI_1")}`)).toEqual([
      `${F}:1: global: must be a table [global], got 1`,
      `${F}:2: scripts.a: must be a table [scripts.a], got 1`,
    ]);
  });
});

describe("addresses", () => {
  test("bad virtual addresses, each at its own line", () => {
    expect(
      errorsOf(`[instances.VI_1]
interface = "eth0"
virtual_router_id = 1
virtual_ipaddress = [
  "192.0.2.300",
  "192.0.2.10/33",
  "192.0.2.11 dev",
  "192.0.2.12 lable x",
  "192.0.2.13 scope world",
  "2001:db8::1 label eth0:1",
  { address = "192.0.2.14", device = "eth0" },
  42,
]
`),
    ).toEqual([
      `${F}:5: instances.VI_1.virtual_ipaddress[0]: "192.0.2.300" is not an address or ADDRESS/PREFIX`,
      `${F}:6: instances.VI_1.virtual_ipaddress[1]: "192.0.2.10/33" is not an address or ADDRESS/PREFIX`,
      `${F}:7: instances.VI_1.virtual_ipaddress[2]: "dev" needs a value`,
      `${F}:8: instances.VI_1.virtual_ipaddress[3]: unsupported option "lable"; supported: dev, label, scope, brd`,
      `${F}:9: instances.VI_1.virtual_ipaddress[4]: scope must be one of global, site, link, host, nowhere, got "world"`,
      `${F}:10: instances.VI_1.virtual_ipaddress[5]: label is for IPv4 addresses only`,
      `${F}:11: instances.VI_1.virtual_ipaddress[6]: unknown key "device"; allowed: address, dev, label, scope, brd`,
      `${F}:12: instances.VI_1.virtual_ipaddress[7]: must be a string like "192.0.2.10/24 dev eth0" or a table {address, dev, label, scope, brd}, got 42`,
    ]);
  });

  test("families may not mix in virtual_ipaddress, the source or the peers", () => {
    expect(
      errorsOf(`[instances.VI_1]
interface = "eth0"
virtual_router_id = 1
virtual_ipaddress = ["192.0.2.10", "2001:db8::10"]
unicast_src_ip = "2001:db8::2"
unicast_peer = ["192.0.2.3", "2001:db8::3"]
virtual_ipaddress_excluded = ["2001:db8::11"]
`),
    ).toEqual([
      `${F}:4: instances.VI_1.virtual_ipaddress[1]: 2001:db8::10 is IPv6 but the instance's first address 192.0.2.10 is IPv4; adverts carry one family: move it to virtual_ipaddress_excluded or to a separate instance`,
      `${F}:5: instances.VI_1.unicast_src_ip: 2001:db8::2 is IPv6 but the instance is IPv4`,
      `${F}:6: instances.VI_1.unicast_peer[1]: 2001:db8::3 is IPv6 but the instance is IPv4`,
    ]);
  });

  test("bad routes, rules, peers and multicast groups", () => {
    expect(
      errorsOf(`[global]
vrrp_mcast_group4 = "192.0.2.1"
vrrp_mcast_group6 = "ff05::12"
${instance(
  "VI_1",
  `unicast_peer = ["192.0.2.256"]
mcast_src_ip = "192.0.2.2"
unicast_src_ip = "192.0.2.3"
virtual_routes = ["198.51.100.0/24 via", "198.51.100.0/24 frobnicate 1", "via 192.0.2.1"]
virtual_rules = ["from 192.0.2./24 table 1"]
`,
)}`),
    ).toEqual([
      `${F}:2: global.vrrp_mcast_group4: must be an IPv4 multicast address (224.0.0.0/4), got "192.0.2.1"`,
      `${F}:3: global.vrrp_mcast_group6: must be a link-local IPv6 multicast address (ffX2::/16), got "ff05::12"`,
      `${F}:8: instances.VI_1.unicast_peer[0]: must be an IPv4 or IPv6 address, got "192.0.2.256"`,
      `${F}:10: instances.VI_1.unicast_src_ip: is the same setting as mcast_src_ip (keepalived treats them as one); set only one`,
      `${F}:11: instances.VI_1.virtual_routes[0]: "via" needs a value in "198.51.100.0/24 via"`,
      `${F}:11: instances.VI_1.virtual_routes[1]: unknown word "frobnicate" in "198.51.100.0/24 frobnicate 1"`,
      `${F}:11: instances.VI_1.virtual_routes[2]: no destination (ADDRESS/PREFIX or default) in "via 192.0.2.1"`,
      `${F}:12: instances.VI_1.virtual_rules[0]: from "192.0.2./24" is not ADDRESS/PREFIX or all in "from 192.0.2./24 table 1"`,
    ]);
  });
});

describe("authentication", () => {
  test("AH is VRRPv2 over IPv4 only: with version 3 or IPv6 it is an error (keepalived would drop it silently)", () => {
    expect(errorsOf(instance("VI_1", 'version = 2\n[instances.VI_1.authentication]\nauth_type = "AH"\nauth_pass = "1111"\n'))).toEqual([]);
    expect(errorsOf(instance("VI_1", 'version = 3\n[instances.VI_1.authentication]\nauth_type = "AH"\nauth_pass = "1111"\n'))).toEqual([
      `${F}:7: instances.VI_1.authentication.auth_type: AH authenticates only VRRPv2 over IPv4 (version = 2, IPv4 addresses); remove authentication`,
    ]);
    const v6 =
      '[instances.V6]\ninterface = "eth0"\nvirtual_router_id = 7\nvirtual_ipaddress = ["2001:db8::7"]\nauthentication = { auth_type = "AH", auth_pass = "1" }\n';
    expect(errorsOf(v6)).toEqual([
      `${F}:5: instances.V6.authentication.auth_type: AH authenticates only VRRPv2 over IPv4 (version = 2, IPv4 addresses); remove authentication`,
    ]);
  });

  test('state = "MASTER" with AH is read as BACKUP, as keepalived does, unless the instance is the address owner', () => {
    const ah = 'version = 2\nauthentication = { auth_type = "AH", auth_pass = "Aa123456" }\n';
    const text = instance("VI_1", `state = "MASTER"\npriority = 100\nnopreempt = true\n${ah}`);
    expect(warningsOf(text)).toEqual([
      `${F}:5: instances.VI_1.state: MASTER is incompatible with AH authentication: read as "BACKUP", as keepalived does`,
    ]);
    const read = loadOk(text).instances[0]!;
    expect([read.state, read.nopreempt, read.authentication]).toEqual(["BACKUP", true, { type: "AH", password: "Aa123456" }]);
    const owner = instance("VI_1", `state = "MASTER"\n${ah}`);
    expect(warningsOf(owner)).toEqual([]);
    expect([loadOk(owner).instances[0]!.state, loadOk(owner).instances[0]!.priority]).toEqual(["MASTER", 255]);
  });

  test("auth_type is required and exact", () => {
    expect(errorsOf(instance("VI_1", 'authentication = { auth_pass = "1111" }\n'))).toEqual([
      `${F}:5: instances.VI_1.authentication.auth_type: missing; required: "PASS"`,
    ]);
    expect(errorsOf(instance("VI_1", 'authentication = { auth_type = "pass", auth_pass = "1" }\n'))).toEqual([
      `${F}:5: instances.VI_1.authentication.auth_type: must be one of "PASS", "AH", got string "pass" (did you mean "PASS"?)`,
    ]);
  });
});

describe("checks across sections", () => {
  test("a VRID used twice on one interface and family", () => {
    expect(errorsOf(`${instance("A", "", 51)}${instance("B", "", 51)}`)).toEqual([
      `${F}:7: instances.B.virtual_router_id: 51 is already used by instance A on eth0 (IPv4); each instance on an interface and family needs its own VRID`,
    ]);
  });

  test("unknown scripts and track files", () => {
    expect(
      errorsOf(`[scripts.chk_nginx]
script = "/usr/bin/true"
[track_files.weight]
file = "/run/w"
${instance("VI_1", 'track_script = ["chk_nginx", "chk_ngnix weight 10"]\ntrack_file = [{ name = "weigth" }, "other"]\n')}`),
    ).toEqual([
      `${F}:9: instances.VI_1.track_script[1]: no script "chk_ngnix" (did you mean "chk_nginx"?); define it as [scripts.chk_ngnix]`,
      `${F}:10: instances.VI_1.track_file[0]: no track file "weigth" (did you mean "weight"?); define it as [track_files.weigth]`,
      `${F}:10: instances.VI_1.track_file[1]: no track file "other"; define it as [track_files.other]`,
    ]);
  });

  test("bad track entries", () => {
    expect(errorsOf(instance("VI_1", 'track_interface = ["eth1 weight 254", "eth2 weigth 3", 7]\n'))).toEqual([
      `${F}:5: instances.VI_1.track_interface[0]: weight must be an integer from -253 to 253, in "eth1 weight 254"`,
      `${F}:5: instances.VI_1.track_interface[1]: unexpected "weigth"; the form is "NAME [weight N] [reverse|noreverse]"`,
      `${F}:5: instances.VI_1.track_interface[2]: must be "NAME", "NAME weight N [reverse]" or a table {name, weight, reverse}, got 7`,
    ]);
  });

  test("sync groups: unknown members, an instance in two groups", () => {
    expect(
      errorsOf(`[sync_groups.G1]
group = ["A", "B", "A"]
[sync_groups.G2]
group = ["C", "B"]
[sync_groups.G3]
group = []
${instance("A", "", 1)}${instance("B", "", 2)}`),
    ).toEqual([
      `${F}:2: sync_groups.G1.group[2]: A is listed twice`,
      `${F}:4: sync_groups.G2.group[0]: no instance "C" (did you mean "A"?)`,
      `${F}:4: sync_groups.G2.group[1]: B is already in sync group G1; an instance can be in one group only`,
      `${F}:6: sync_groups.G3.group: is empty; list the instance names of the group`,
    ]);
  });
});

describe("programs", () => {
  const files = {
    "/usr/bin/true": ROOT_PROGRAM,
    "/usr/local/bin/notify.sh": ROOT_PROGRAM,
    "/usr/local/bin/not-exec": { mode: 0o100644, uid: 0 },
    "/usr/local/bin/group-writable": { mode: 0o100775, uid: 0 },
    "/usr/local/bin/not-root": { mode: 0o100755, uid: 1000 },
    "/opt/open/check": ROOT_PROGRAM,
    "/opt/open": { mode: 0o040777, uid: 0 },
    "/opt/sticky/check": ROOT_PROGRAM,
    "/opt/sticky": { mode: 0o041777, uid: 0 },
  };
  const stat = fakeStat(files);

  test("a script program must exist and be executable; bare names are looked up in the search path", () => {
    expect(
      errorsOf(
        `[scripts.a]
script = "/usr/local/bin/missing --flag"
[scripts.b]
script = "true"
[scripts.c]
script = "nothere"
[scripts.d]
script = "/usr/local/bin/not-exec"
${instance("VI_1", 'track_script = ["a", "b", "c", "d"]\nnotify_master = "/usr/local/bin/gone"\n')}`,
        { stat },
      ),
    ).toEqual([
      `${F}:2: scripts.a.script: program /usr/local/bin/missing does not exist`,
      `${F}:6: scripts.c.script: program nothere is not found in /usr/bin:/bin`,
      `${F}:8: scripts.d.script: program /usr/local/bin/not-exec is not executable (mode 0644)`,
      `${F}:14: instances.VI_1.notify_master: program /usr/local/bin/gone does not exist`,
    ]);
  });

  test("checkPrograms: false skips the checks", () => {
    const text = `[scripts.a]\nscript = "/nonexistent"\n${instance("VI_1", 'track_script = ["a"]\n')}`;
    expect(errorsOf(text, { stat, checkPrograms: false })).toEqual([]);
  });

  test("enable_script_security refuses programs others could replace", () => {
    const text = `[global]
enable_script_security = true
[scripts.a]
script = "/usr/local/bin/group-writable"
[scripts.b]
script = "/usr/local/bin/not-root"
[scripts.c]
script = "/opt/open/check"
[scripts.d]
script = "/opt/sticky/check"
[sync_groups.G]
group = ["VI_1", "VI_2"]
notify = "/usr/local/bin/group-writable x"
${instance("VI_1", 'track_script = ["a", "b", "c", "d"]\nnotify_master = "/usr/local/bin/notify.sh"\n', 1)}${instance("VI_2", "", 2)}`;
    const why = "refused because global.enable_script_security = true";
    expect(errorsOf(text, { stat })).toEqual([
      `${F}:4: scripts.a.script: program /usr/local/bin/group-writable is writable by group or others (mode 0775); ${why}`,
      `${F}:6: scripts.b.script: program /usr/local/bin/not-root is owned by uid 1000, not root; ${why}`,
      `${F}:8: scripts.c.script: program /opt/open/check is in directory /opt/open, writable by group or others (mode 0777); ${why}`,
      `${F}:13: sync_groups.G.notify: program /usr/local/bin/group-writable is writable by group or others (mode 0775); ${why}`,
    ]);
    expect(errorsOf(text.replace("enable_script_security = true", "enable_script_security = false"), { stat })).toEqual([]);
  });

  test("enable_script_security judges a symbolic link by what it points to and by where it lives", () => {
    const fs = fakeFs(
      {
        ...files,
        "/home/user/evil.sh": { mode: 0o100755, uid: 1000 },
        "/home/user": { mode: 0o040755, uid: 1000 },
        "/srv/scripts/check": ROOT_PROGRAM,
        "/srv/scripts": { mode: 0o040777, uid: 0 },
      },
      {
        // A root-owned link in a safe directory to a file only its owner should change.
        "/usr/local/bin/innocent": "/home/user/evil.sh",
        // A safe program behind a link in a directory anyone may write: the link can be pointed elsewhere.
        "/opt/open/safe": "/usr/local/bin/notify.sh",
        // A directory in the path that is a link into a writable tree.
        "/usr/local/lib/vipd": "/srv/scripts",
        "/usr/local/bin/fine": "/usr/local/bin/notify.sh",
      },
    );
    const text = `[global]
enable_script_security = true
[scripts.a]
script = "/usr/local/bin/innocent"
[scripts.b]
script = "/opt/open/safe"
[scripts.c]
script = "/usr/local/lib/vipd/check"
[scripts.d]
script = "/usr/local/bin/fine"
${instance("VI_1", 'track_script = ["a", "b", "c", "d"]\n')}`;
    const why = "refused because global.enable_script_security = true";
    expect(errorsOf(text, fs)).toEqual([
      `${F}:4: scripts.a.script: program /usr/local/bin/innocent (really /home/user/evil.sh) is owned by uid 1000, not root; ${why}`,
      `${F}:6: scripts.b.script: program /opt/open/safe (really /usr/local/bin/notify.sh) is in directory /opt/open, writable by group or others (mode 0777); ${why}`,
      `${F}:8: scripts.c.script: program /usr/local/lib/vipd/check (really /srv/scripts/check) is in directory /srv/scripts, writable by group or others (mode 0777); ${why}`,
    ]);
    // A dangling link is no program.
    const dangling = fakeFs(files, { "/usr/local/bin/dangling": "/nowhere/x" });
    expect(errorsOf(`[scripts.a]\nscript = "/usr/local/bin/dangling"\n${instance("VI_1", 'track_script = ["a"]\n')}`, dangling)).toEqual([
      `${F}:2: scripts.a.script: program /usr/local/bin/dangling does not exist`,
    ]);
  });

  test("enable_script_security checks arguments that are files too: an interpreter is only as safe as its script", () => {
    const fs = fakeFs(
      { ...files, "/bin/sh": ROOT_PROGRAM, "/tmp/x.sh": { mode: 0o100644, uid: 1000 }, "/tmp": { mode: 0o041777, uid: 0 } },
      { "/etc/vipd/check.sh": "/tmp/x.sh" },
    );
    const text = `[global]
enable_script_security = true
[scripts.a]
script = "/bin/sh /tmp/x.sh"
[scripts.b]
script = "/bin/sh /etc/vipd/check.sh"
[scripts.c]
script = "/bin/sh -c /usr/local/bin/notify.sh"
[scripts.d]
script = "/bin/sh /usr/local/bin/notify.sh /nonexistent/path -x"
${instance("VI_1", 'track_script = ["a", "b", "c", "d"]\nnotify_master = "/bin/sh /opt/open/check"\n')}`;
    const why = "refused because global.enable_script_security = true";
    expect(errorsOf(text, fs)).toEqual([
      `${F}:4: scripts.a.script: argument /tmp/x.sh is owned by uid 1000, not root; ${why}`,
      `${F}:6: scripts.b.script: argument /etc/vipd/check.sh (really /tmp/x.sh) is owned by uid 1000, not root; ${why}`,
      `${F}:16: instances.VI_1.notify_master: argument /opt/open/check is in directory /opt/open, writable by group or others (mode 0777); ${why}`,
    ]);
    expect(errorsOf(text.replace("enable_script_security = true", "enable_script_security = false"), fs)).toEqual([]);
  });
});

describe("all errors are collected", () => {
  test("errors from every section in one run, sorted by line", () => {
    const result = loadConfigText(
      `[global]
vrrp_version = 4
[scripts.chk]
script = "/bin/check"
weight = 300
[instances.VI_1]
interface = "eth0"
virtual_router_id = 0
priority = 101.5
track_script = ["chk", "nope"]
[instances.VI_2]
interface = "eth0 1"
virtual_router_id = 9
virtual_ipaddress = ["x"]
[sync_groups.G]
group = ["VI_1", "VI_3"]
`,
      "c.toml",
      { checkPrograms: false },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatConfigError)).toEqual([
      "c.toml:2: global.vrrp_version: must be 2 or 3, got 4",
      "c.toml:5: scripts.chk.weight: must be an integer from -253 to 253, got 300",
      "c.toml:8: instances.VI_1.virtual_router_id: must be an integer from 1 to 255, got 0",
      "c.toml:9: instances.VI_1.priority: must be an integer from 1 to 255, got 101.5",
      'c.toml:10: instances.VI_1.track_script[1]: no script "nope"; define it as [scripts.nope]',
      'c.toml:12: instances.VI_2.interface: must be an interface name of 1 to 15 characters without spaces, "/" or ":", got "eth0 1"',
      'c.toml:14: instances.VI_2.virtual_ipaddress[0]: "x" is not an address or ADDRESS/PREFIX',
      'c.toml:16: sync_groups.G.group[1]: no instance "VI_3" (did you mean "VI_1"?)',
    ]);
    expect(result.errors[0]).toEqual({ file: "c.toml", line: 2, keyPath: "global.vrrp_version", message: "must be 2 or 3, got 4" });
  });

  test("never throws, whatever the TOML holds", () => {
    const odd = [
      "instances = 3",
      "[instances.A]\ninterface = 1\nvirtual_router_id = true\nvirtual_ipaddress = 5",
      "[instances.A]\ntrack_script = [{ }]\nnotify = { }\nauthentication = 3",
      '[instances.A]\ninterface = "eth0"\nvirtual_router_id = 1\nvirtual_ipaddress = [[1]]\nvirtual_routes = [{}]\nunicast_peer = [1]',
      "[sync_groups.G]\ngroup = [1, {}]\n[scripts.s]\nscript = { command = 3 }\n[track_files.t]\nfile = 3\ninit_file = []",
      'a = 1979-05-27T07:32:00Z\n[global]\nrouter_id = 1979-05-27\nnotification_email = "x"',
    ];
    for (const text of odd) {
      const result = load(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.filter((e) => e.message.includes("internal error"))).toEqual([]);
    }
  });
});
