// [virtual_servers] and [virtual_server_groups]: keepalived 2.2.7's defaults, its corrections (as warnings), and
// errors at the key's own line where keepalived would drop a line or fall back silently.

import { describe, expect, test } from "bun:test";
import { formatConfigError } from "../../src/config/config-error.ts";
import { rangeAddresses } from "../../src/config/virtual-server-group-section.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { errorsOf, FILE, load, loadOk } from "./helpers.ts";

const WEB = `
[virtual_servers.web]
address = "192.0.2.10"
port = 80
protocol = "tcp"

[[virtual_servers.web.real_servers]]
address = "198.51.100.1"

[[virtual_servers.web.real_servers]]
address = "198.51.100.2"
port = 8080
weight = 3
`;

describe("virtual servers", () => {
  test("a load balancer alone needs no VRRP instance, and gets keepalived's defaults", () => {
    const config = loadOk(WEB);
    expect(config.instances).toEqual([]);
    const vs = config.virtualServers[0]!;
    expect(vs.target).toMatchObject({ kind: "address", address: "192.0.2.10", port: 80, protocol: "tcp", family: 4 });
    expect(vs.lbAlgo).toBe("wlc");
    expect(vs.forwarding).toEqual({ kind: "NAT", tunnel: null });
    expect(vs.persistenceTimeoutS).toBe(0);
    expect(vs.quorum).toBe(1);
    expect(vs.hysteresis).toBe(0);
    expect(vs.realServers.map((r) => [r.address, r.port, r.weight, r.inhibitOnFailure])).toEqual([
      ["198.51.100.1", null, 1, false],
      ["198.51.100.2", 8080, 3, false],
    ]);
  });

  test("an empty file still asks for something to do", () => {
    expect(errorsOf("[global]\n")).toEqual([
      `${FILE}:1: instances: missing; define at least one [instances.NAME] or [virtual_servers.NAME]`,
    ]);
  });

  test("the virtual server's weight, lb_kind and inhibit_on_failure are its real servers' defaults", () => {
    const vs = loadOk(
      WEB.replace('protocol = "tcp"', 'protocol = "tcp"\nweight = 5\nlb_kind = "DR"\ninhibit_on_failure = true\n').replace(
        "port = 8080\n",
        "",
      ),
    ).virtualServers[0]!;
    expect(vs.realServers.map((r) => [r.weight, r.forwarding.kind, r.inhibitOnFailure])).toEqual([
      [5, "DR", true],
      [3, "DR", true],
    ]);
  });

  test("a real server of only address, port and weight (read in one step) equals one read key by key", () => {
    // Each pair: a plain row, then one at another address with a key at its default value (the reader's way).
    const pairs = [
      ["", "inhibit_on_failure = true"],
      [", port = 80", "uthreshold = 0"],
      [", port = 0, weight = 0", "lthreshold = 0"],
      [", weight = 7", "smtp_alert = false"],
    ];
    const rows = pairs.flatMap(([rest, extra], i) => [
      `  { address = "198.51.100.${i + 1}"${rest} },`,
      `  { address = "2001:db8::${i + 1}"${rest}, ${extra} },`,
    ]);
    const text = `[global]\nsmtp_alert_checker = false\n[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"
lb_kind = "TUN"\nweight = 3\ninhibit_on_failure = true\nreal_servers = [\n${rows.join("\n")}\n]\n`;
    // TUN, the one forwarding that may mix families, lets both families stand side by side.
    const relaxed = load(text, { checkPrograms: false });
    if (!relaxed.ok) throw new Error(relaxed.errors.map(formatConfigError).join("\n"));
    const servers = relaxed.config.virtualServers[0]!.realServers;
    expect(servers).toHaveLength(8);
    const apart = ({ address, bytes, family, ...rest }: (typeof servers)[number]) => rest;
    for (let i = 0; i < 8; i += 2) expect(apart(servers[i]!)).toEqual(apart(servers[i + 1]!));
    expect(servers.map((rs) => rs.address)).toEqual([1, 1, 2, 2, 3, 3, 4, 4].map((n, i) => (i % 2 ? `2001:db8::${n}` : `198.51.100.${n}`)));
    expect(servers[0]).toMatchObject({ weight: 3, inhibitOnFailure: true, forwarding: { kind: "TUN" }, smtpAlert: false, port: null });
    expect(servers[4]).toMatchObject({ weight: 0, port: null });
  });

  test("a plain row with a wrong value is reported as any real server is", () => {
    const rows = (row: string) => `${WEB.split("[[")[0]}real_servers = [\n  ${row},\n]\n`;
    expect(errorsOf(rows('{ address = "198.51.100.1", weight = -1 }'))).toEqual([
      `${FILE}:8: virtual_servers.web.real_servers[0].weight: must be an integer from 0 to 2147483647, got -1`,
    ]);
    expect(errorsOf(rows('{ address = "198.51.100.1", port = "80" }'))).toEqual([
      `${FILE}:8: virtual_servers.web.real_servers[0].port: must be an integer from 0 to 65535, got string "80"`,
    ]);
    expect(errorsOf(rows('{ address = "198.51.100.300" }'))).toEqual([
      `${FILE}:8: virtual_servers.web.real_servers[0].address: must be an IPv4 or IPv6 address, got "198.51.100.300"`,
    ]);
    expect(errorsOf(rows('{ address = "198.51.100.1", wieght = 2 }'))[0]).toContain(
      'real_servers[0].wieght: unknown key (did you mean "weight"?)',
    );
  });

  test("persistence_granularity alone turns persistence on (360 s), netmask read as a prefix", () => {
    const vs = loadOk(WEB.replace('protocol = "tcp"', 'protocol = "tcp"\npersistence_granularity = "255.255.255.0"')).virtualServers[0]!;
    expect(vs.persistenceTimeoutS).toBe(360);
    expect(vs.persistencePrefix).toBe(24);
    expect(errorsOf(WEB.replace('protocol = "tcp"', 'protocol = "tcp"\npersistence_granularity = "255.0.255.0"'))).toEqual([
      `${FILE}:6: virtual_servers.web.persistence_granularity: must be an IPv4 netmask such as "255.255.255.0", got string "255.0.255.0"`,
    ]);
  });

  test("a quorum above the total weight and a hysteresis not below it are lowered with a warning", () => {
    const result = load(WEB.replace('protocol = "tcp"', 'protocol = "tcp"\nquorum = 10\nhysteresis = 7'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.virtualServers[0]).toMatchObject({ quorum: 4, hysteresis: 3 });
    expect(result.warnings.map(formatConfigError)).toEqual([
      `${FILE}:6: virtual_servers.web.quorum: 10 is above the real servers' total weight 4; lowered to 4, as keepalived does`,
      `${FILE}:7: virtual_servers.web.hysteresis: 7 is not below the quorum 4; lowered to 3, as keepalived does`,
    ]);
  });

  test("checker kinds not built yet are refused, never ignored", () => {
    const text = `${WEB}[virtual_servers.web.real_servers.BFD_CHECK]\nweight = 1\n`;
    expect(errorsOf(text)).toEqual([
      `${FILE}:14: virtual_servers.web.real_servers[1].BFD_CHECK: not yet supported (issue #17); the checks built are TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK`,
    ]);
  });

  test("mistakes keepalived would correct or drop are errors at their line", () => {
    expect(errorsOf(WEB.replace('protocol = "tcp"\n', ""))).toEqual([
      `${FILE}:2: virtual_servers.web.protocol: missing; required: "tcp", "udp" or "sctp"`,
    ]);
    expect(errorsOf(WEB.replace('protocol = "tcp"', 'protocol = "tcp"\nlb_kind = "DR"'))).toEqual([
      `${FILE}:13: virtual_servers.web.real_servers[1].port: DR forwards to the virtual port 80; remove port or write 80`,
    ]);
    expect(errorsOf(WEB.replace('address = "198.51.100.1"', 'address = "2001:db8::1"'))).toEqual([
      `${FILE}:8: virtual_servers.web.real_servers[0].address: is IPv6 but the virtual server is IPv4 (only TUN may mix families)`,
    ]);
    expect(errorsOf(WEB.replace('protocol = "tcp"', 'protocol = "tcp"\nlb_flags = ["sh-port"]'))).toEqual([
      `${FILE}:6: virtual_servers.web.lb_flags[0]: only applies to lb_algo = "sh"`,
    ]);
    expect(
      errorsOf(
        WEB.replace('protocol = "tcp"', 'protocol = "tcp"\nlb_kind = "TUN"\ntunnel = { type = "gue" }').replace("port = 8080\n", ""),
      ),
    ).toEqual([`${FILE}:7: virtual_servers.web.tunnel.port: missing; a GUE tunnel needs its UDP port`]);
    expect(errorsOf(WEB.replace("weight = 3", "weight = 3\nuthreshold = 5\nlthreshold = 9"))).toEqual([
      `${FILE}:15: virtual_servers.web.real_servers[1].lthreshold: must not be above uthreshold (5); the kernel refuses it, 0 included`,
    ]);
  });

  test("fwmark services: family from ip_family, no protocol, no ports on DR real servers", () => {
    const text = `[virtual_servers.mark]\nfwmark = 7\nip_family = "inet6"\nlb_kind = "DR"\n[[virtual_servers.mark.real_servers]]\naddress = "2001:db8::5"\n`;
    expect(loadOk(text).virtualServers[0]!.target).toEqual({ kind: "fwmark", fwmark: 7, family: 6 });
    expect(
      errorsOf(
        text.replace("fwmark = 7", 'fwmark = 7\nprotocol = "tcp"').replace('address = "2001:db8::5"', 'address = "2001:db8::5"\nport = 80'),
      ),
    ).toEqual([
      `${FILE}:3: virtual_servers.mark.protocol: a fwmark service matches every protocol; remove protocol`,
      `${FILE}:8: virtual_servers.mark.real_servers[0].port: a DR real server of a fwmark service takes no port; remove it`,
    ]);
  });
});

describe("virtual server groups", () => {
  const GROUP = `
[virtual_server_groups.front]
members = ["192.0.2.3-5 80", "198.51.100.0/31 80", "fwmark 9"]

[virtual_servers.front]
group = "front"
protocol = "tcp"

[[virtual_servers.front.real_servers]]
address = "203.0.113.1"
port = 80
`;
  test("members in keepalived's forms: a last-octet range, a prefix, a fwmark", () => {
    const config = loadOk(GROUP);
    const members = config.virtualServerGroups[0]!.members;
    const addresses = members.flatMap((m) =>
      m.kind === "range" ? rangeAddresses(m).map((a) => `${formatIp(a)} ${m.port}`) : [`fwmark ${m.fwmark}`],
    );
    expect(addresses).toEqual(["192.0.2.3 80", "192.0.2.4 80", "192.0.2.5 80", "198.51.100.0 80", "198.51.100.1 80", "fwmark 9"]);
    expect(config.virtualServers[0]!.target).toEqual({ kind: "group", group: "front", protocol: "tcp" });
  });

  test("an IPv6 range ends in a hex group", () => {
    const config = loadOk(
      GROUP.replace('"192.0.2.3-5 80", "198.51.100.0/31 80", "fwmark 9"', '"2001:db8::9-b 80"').replace("203.0.113.1", "2001:db8::100"),
    );
    const m = config.virtualServerGroups[0]!.members[0]!;
    expect(m.kind === "range" ? rangeAddresses(m).map((a) => formatIp(a)) : []).toEqual(["2001:db8::9", "2001:db8::a", "2001:db8::b"]);
  });

  test("bad members, unknown groups and services defined twice are errors", () => {
    expect(errorsOf(GROUP.replace('"fwmark 9"', '"192.0.2.9-3 80"'))).toEqual([
      `${FILE}:3: virtual_server_groups.front.members[2]: 192.0.2.9-3: the range ends before it starts`,
    ]);
    expect(errorsOf(GROUP.replace('group = "front"', 'group = "back"'))).toEqual([
      `${FILE}:6: virtual_servers.front.group: "back": no such [virtual_server_groups.NAME]`,
    ]);
    const twice = `${GROUP}\n[virtual_servers.again]\naddress = "192.0.2.4"\nport = 80\nprotocol = "tcp"\n`;
    expect(errorsOf(twice)).toEqual([
      `${FILE}:13: virtual_servers.again: tcp 192.0.2.4 80 is already the service of virtual_servers.front`,
    ]);
  });
});

describe("a virtual server's smtp_alert and ha_suspend", () => {
  test("smtp_alert (quorum mails): its own, else global smtp_alert_checker, else global smtp_alert, else off; ha_suspend needs an address", () => {
    const text = (global: string, own: string) =>
      `[global]\n${global}\n[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\n${own}\n[[virtual_servers.web.real_servers]]\naddress = "198.51.100.1"\n`;
    const alert = (global: string, own = "") => {
      const vs = loadOk(text(global, own)).virtualServers[0]!;
      return [vs.smtpAlert, vs.realServers[0]!.smtpAlert];
    };
    expect(alert("")).toEqual([false, true]);
    expect(alert("", "smtp_alert = true")).toEqual([true, true]);
    expect(alert("smtp_alert = true")).toEqual([true, true]);
    expect(alert("smtp_alert = true\nsmtp_alert_checker = false")).toEqual([false, false]);
    expect(alert("smtp_alert_checker = true", "smtp_alert = false")).toEqual([false, true]);
    const fwmark = `[virtual_servers.mark]\nfwmark = 3\nha_suspend = true\n[[virtual_servers.mark.real_servers]]\naddress = "198.51.100.1"\n`;
    expect(errorsOf(fwmark)).toEqual([
      `${FILE}:3: virtual_servers.mark.ha_suspend: a fwmark service has no address to wait for; use a group with addresses, or remove it`,
    ]);
  });
});
